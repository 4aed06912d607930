import { describe, expect, it } from "vitest";
import { checkConfigMount, hostPathThroughMounts, ownContainerId, type ConfigMountProbe } from "./config-mount";

const ID = "385e4e21e14c32ad27d213007b9ea800cb3a784e209bb1147aa5bfddf17ccf53";
// Shaped like a container's /proc/self/mountinfo: overlay root, a bind of the config dir, the engine's /etc files.
const MOUNTINFO = [
  `812 700 0:160 / / rw,relatime master:301 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/X`,
  `820 812 254:0 /work/main/lab/.state/config /srv/config rw,relatime - ext4 /dev/vda rw`,
  `821 812 254:0 /var/lib/docker/containers/${ID}/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda rw`,
  `822 812 254:0 /var/lib/docker/containers/${ID}/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw`,
].join("\n");

function probe(over: Partial<ConfigMountProbe> & { mounts?: Array<{ source: string; destination: string }> | null } = {}): ConfigMountProbe {
  const { mounts = [{ source: "/srv/synapse", destination: "/srv/synapse" }], ...rest } = over;
  return {
    readMountinfo: async () => MOUNTINFO,
    hostname: "dashboard",
    mountsOf: async (id) => (id === ID ? mounts : null),
    hasHomeserver: async () => true,
    canWrite: async () => true,
    uid: 10001,
    ...rest,
  };
}

describe("ownContainerId", () => {
  it("reads the container id from the engine's bind of /etc/hostname, whatever the hostname", () => {
    expect(ownContainerId(MOUNTINFO)).toBe(ID);
  });
  it("finds it when the engine's data root is its own filesystem (root starts at /containers)", () => {
    expect(ownContainerId(`30 20 8:1 /containers/${ID}/hosts /etc/hosts rw - ext4 /dev/sdb1 rw`)).toBe(ID);
  });
  it("is null on a host (no engine-made /etc mounts)", () => {
    expect(ownContainerId(`22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n25 22 0:5 / /dev rw - devtmpfs udev rw`)).toBeNull();
  });
});

describe("hostPathThroughMounts", () => {
  it("maps a path through the deepest mount that holds it", () => {
    const mounts = [
      { source: "/host/a", destination: "/srv" },
      { source: "/host/conf", destination: "/srv/config" },
    ];
    expect(hostPathThroughMounts("/srv/config/workers", mounts)).toBe("/host/conf/workers");
    expect(hostPathThroughMounts("/srv/other", mounts)).toBe("/host/a/other");
    expect(hostPathThroughMounts("/srvx", mounts)).toBeNull();
  });
});

describe("checkConfigMount", () => {
  it("passes a config dir mounted at its host path", async () => {
    const f = await checkConfigMount({ SYNAPSE_CONFIG_DIR: "/srv/synapse" }, probe());
    expect(f).toMatchObject({ status: "ok", message: expect.stringContaining("same path as on the host") });
  });

  it("names the host path and prints the same-path mount when the dir is mounted elsewhere", async () => {
    const f = await checkConfigMount({ SYNAPSE_CONFIG_DIR: "/config" }, probe({ mounts: [{ source: "/srv/synapse", destination: "/config" }] }));
    expect(f.status).toBe("problem");
    expect(f.message).toContain("/config is /srv/synapse on the host");
    expect(f.fix).toContain("-v /srv/synapse:/srv/synapse -e SYNAPSE_CONFIG_DIR=/srv/synapse");
  });

  it("refuses a config dir that is not a mount at all: writes would stay in the container", async () => {
    const f = await checkConfigMount({ SYNAPSE_CONFIG_DIR: "/elsewhere" }, probe());
    expect(f).toMatchObject({ status: "problem", message: expect.stringContaining("not mounted from the host") });
  });

  it("says a dir it may not write is shown but cannot be changed, with the --user fix", async () => {
    const f = await checkConfigMount({ SYNAPSE_CONFIG_DIR: "/srv/synapse" }, probe({ canWrite: async () => false }));
    expect(f.status).toBe("problem");
    expect(f.message).toContain("uid 10001 may not write there");
    expect(f.fix).toContain("--user \"$(stat -c %u:%g /srv/synapse)\"");
  });

  it("cannot check without the engine, and says so instead of passing", async () => {
    const f = await checkConfigMount({ SYNAPSE_CONFIG_DIR: "/srv/synapse" }, probe({ mountsOf: async () => Promise.reject(new Error("connect ENOENT /var/run/docker.sock")) }));
    expect(f).toMatchObject({ status: "unknown", message: expect.stringContaining("ENOENT") });
  });

  it("outside a container the path is the host's; a missing SYNAPSE_CONFIG_DIR is a problem", async () => {
    const host = probe({ readMountinfo: async () => "22 1 254:0 / / rw - ext4 /dev/vda rw" });
    expect((await checkConfigMount({ SYNAPSE_CONFIG_DIR: "/srv/synapse" }, host)).status).toBe("ok");
    expect(await checkConfigMount({}, host)).toMatchObject({ status: "problem", message: expect.stringContaining("SYNAPSE_CONFIG_DIR is not set") });
  });
});
