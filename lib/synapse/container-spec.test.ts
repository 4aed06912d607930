import { describe, expect, it } from "vitest";
import { workerContainerSpec, workerHealthcheck, type WorkerContainerInput } from "./container-spec";
import { planIntent } from "./plan";
import { genericContainer, labSnapshot, mainContainer, singleSnapshot } from "./fixtures/lab";
import { createdSpec } from "./fixtures/plan-helpers";
import type { ContainerSpec } from "./plan-schema";

const main = { ...mainContainer, id: "a30c4a9dca1e", managedByFleet: false };
const input = (over: Partial<WorkerContainerInput> = {}): WorkerContainerInput => ({
  name: "generic_worker2", kind: "generic", httpPort: 8011, alias: "generic-worker2", peers: [], mainHttpPort: 8008, ...over,
});
const officialMain = (): typeof main => ({
  ...main,
  image: "matrixdotorg/synapse:v1.160.0",
  entrypoint: ["/start.py"],
  cmd: [],
  env: { SYNAPSE_CONFIG_PATH: "/data/homeserver.yaml", UID: "991", GID: "991" },
});

describe("a new worker's container", () => {
  it("is derived from main's: image, binds, env, networks, restart policy, user", () => {
    const spec = workerContainerSpec(main, input());
    expect(spec).toMatchObject({ image: main.image, binds: main.binds, env: main.env, restartPolicy: "unless-stopped", user: null });
    expect(spec.name).toBe("fleetlab-worker-generic_worker2");
    expect(spec.networks).toEqual([{ name: "fleetlab_default", aliases: ["generic-worker2"] }]);
  });

  it("runs main's python -m argv with the worker app and its worker file", () => {
    expect(workerContainerSpec(main, input()).cmd).toEqual([
      "python3", "-m", "synapse.app.generic_worker", "--config-path", "/data/homeserver.yaml", "--config-path", "/data/workers/generic_worker2.yaml",
    ]);
  });

  it("official image convention sets SYNAPSE_WORKER", () => {
    const spec = workerContainerSpec(officialMain(), input());
    expect(spec.entrypoint).toEqual(["/start.py"]);
    expect(spec.cmd).toEqual(["run", "--config-path=/data/homeserver.yaml", "--config-path=/data/workers/generic_worker2.yaml"]);
    expect(spec.env.SYNAPSE_WORKER).toBe("synapse.app.generic_worker");
    expect(spec.env.UID).toBe("991");
  });

  it("uses the operator's worker command with the config paths filled in", () => {
    const spec = workerContainerSpec(officialMain(), input({ workerCommand: ["run", "--config-path={homeserver_config}", "--config-path={worker_config}"] }));
    expect(spec.cmd).toEqual(["run", "--config-path=/data/homeserver.yaml", "--config-path=/data/workers/generic_worker2.yaml"]);
    expect(spec.env.SYNAPSE_WORKER).toBe("synapse.app.generic_worker");
    expect(() => workerContainerSpec(main, input({ workerCommand: ["sleep", "1"] }))).toThrow(/does not run synapse.app.generic_worker/);
  });

  it("maps Debian's synapse_homeserver wrapper to synapse_worker", () => {
    const debian = { ...main, cmd: ["/usr/bin/synapse_homeserver", "--config-path", "/etc/matrix-synapse/homeserver.yaml"] };
    expect(workerContainerSpec(debian, input()).cmd).toEqual([
      "/usr/bin/synapse_worker", "--config-path", "/etc/matrix-synapse/homeserver.yaml", "--config-path", "/etc/matrix-synapse/workers/generic_worker2.yaml",
    ]);
  });

  it("labels it as fleet-managed with no compose labels", () => {
    const spec = workerContainerSpec(main, input());
    expect(spec.labels["io.synapse-fleet.worker"]).toBe("generic_worker2");
    expect(spec.labels["io.synapse-fleet.managed"]).toBe("true");
    expect(Object.keys(spec.labels).filter((k) => k.startsWith("com.docker.compose"))).toEqual([]);
  });

  it("copies the Traefik labels of a worker of the same service, with its own port", () => {
    const spec = workerContainerSpec(main, input({ peers: [{ ...genericContainer, id: "g", managedByFleet: false }] }));
    expect(spec.labels["traefik.http.services.synapse-generic.loadbalancer.server.port"]).toBe("8011");
    expect(spec.labels["traefik.http.services.synapse-generic.loadbalancer.sticky.cookie.name"]).toBe("synapse_generic");
    expect(spec.labels["traefik.http.routers.synapse-generic.rule"]).toBe(genericContainer.labels["traefik.http.routers.synapse-generic.rule"]);
  });

  it("falls back to the guide's media route with main's Host rule", () => {
    const spec = workerContainerSpec(main, input({ kind: "media", name: "media_worker1", alias: "media-worker1" }));
    expect(spec.labels["traefik.http.routers.synapse-media.rule"]).toBe(
      "Host(`fleet.test`) && (PathPrefix(`/_matrix/media`) || PathPrefix(`/_matrix/client/v1/media`) || PathPrefix(`/_matrix/federation/v1/media`))",
    );
    expect(spec.labels["traefik.http.services.synapse-media.loadbalancer.server.port"]).toBe("8011");
  });

  it("adds no Traefik labels when main is not behind Traefik", () => {
    const plain = { ...main, labels: {} };
    expect(Object.keys(workerContainerSpec(plain, input()).labels)).toEqual(["io.synapse-fleet.worker", "io.synapse-fleet.managed"]);
  });

  it("publishes the http port like main publishes its own, unless told not to", () => {
    expect(workerContainerSpec(main, input()).ports).toEqual([{ container: 8011, host: 8011, hostIp: "0.0.0.0" }]);
    expect(workerContainerSpec(main, input({ publishHttpPorts: false })).ports).toEqual([]);
    expect(workerContainerSpec({ ...main, ports: [] }, input()).ports).toEqual([]);
  });

  it("takes resource limits from the intent, else the catalogue", () => {
    expect(workerContainerSpec(main, input()).resources).toEqual({ nanoCpus: 1_000_000_000, memoryBytes: 1024 * 1024 * 1024 });
    expect(workerContainerSpec(main, input({ resources: { cpus: 0.25, memoryMiB: 256 } })).resources).toEqual({ nanoCpus: 250_000_000, memoryBytes: 256 * 1024 * 1024 });
  });

  it("settings reach the container through planIntent", () => {
    const plan = planIntent({ kind: "add_worker", type: "generic" }, { snapshot: singleSnapshot(), settings: { publishHttpPorts: false } });
    expect(createdSpec(plan, "generic_worker1").ports).toEqual([]);
    const lab = planIntent({ kind: "add_worker", type: "generic" }, { snapshot: labSnapshot() });
    const spec: ContainerSpec = createdSpec(lab, "generic_worker2");
    expect(spec.labels["traefik.http.services.synapse-generic.loadbalancer.server.port"]).toBe("8011");
  });
});

/** Main with every hardening field set, as the engine record holds it. */
const hardened = {
  ...main,
  user: "991:991",
  networks: [
    { name: "fleetlab_default", aliases: ["synapse"], endpoint: { IPAMConfig: { IPv4Address: "172.18.0.50" }, Links: ["redis:cache"], DriverOpts: { "com.example.opt": "1" } } },
    { name: "fleetlab_back", aliases: [] },
  ],
  engine: {
    config: {
      Hostname: "synapse-main", Domainname: "fleet.test", MacAddress: "02:42:ac:12:00:32", WorkingDir: "/data", StopSignal: "SIGINT", StopTimeout: 30, Tty: false,
      OpenStdin: false, ExposedPorts: { "9000/tcp": {} }, Volumes: { "/data": {} },
      Healthcheck: { Test: ["CMD", "curl", "-fsS", "http://localhost:8008/health"], Interval: 5e9, Timeout: 3e9, Retries: 3, StartPeriod: 6e10 },
    },
    hostConfig: {
      NetworkMode: "fleetlab_default", RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 0 }, CapDrop: ["ALL"], CapAdd: ["NET_BIND_SERVICE"],
      SecurityOpt: ["no-new-privileges"], ReadonlyRootfs: true, Tmpfs: { "/tmp": "rw,size=64m" }, Mounts: [{ Type: "tmpfs", Target: "/run" }],
      Ulimits: [{ Name: "nofile", Soft: 4096, Hard: 8192 }], LogConfig: { Type: "json-file", Config: { "max-size": "10m", "max-file": "3" } }, Init: true,
      ShmSize: 67108864, PidsLimit: 256, CpuShares: 512, CpusetCpus: "0-1", MemoryReservation: 268435456, MemorySwap: -1, Sysctls: { "net.core.somaxconn": "1024" },
      ExtraHosts: ["matrix.fleet.test:10.0.0.1"], Dns: ["10.0.0.53"], DnsSearch: ["fleet.test"], DnsOptions: ["ndots:2"], GroupAdd: ["1234"], OomScoreAdj: 100,
      IpcMode: "private", PidMode: "", Privileged: false, Devices: [{ PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse", CgroupPermissions: "rwm" }],
      Links: ["fleetlab_redis_1:redis"], PortBindings: { "5353/udp": [{ HostIp: "", HostPort: "5353" }] }, PublishAllPorts: true,
    },
  },
};

describe("a new worker inherits main's container but what must differ", () => {
  const worker = workerContainerSpec(hardened, input());
  const mustDiffer = { config: ["Hostname", "MacAddress", "Healthcheck"], hostConfig: ["PortBindings", "PublishAllPorts"] };

  for (const part of ["config", "hostConfig"] as const) {
    it(`${part}: every field of main's, field by field, but ${mustDiffer[part].join(", ")}`, () => {
      const mine = worker.engine![part];
      for (const [key, value] of Object.entries(hardened.engine[part])) {
        if (!mustDiffer[part].includes(key)) expect({ [key]: mine[key] }).toEqual({ [key]: value });
      }
      expect(Object.keys(mine).sort()).toEqual(Object.keys(hardened.engine[part]).filter((k) => !mustDiffer[part].includes(k) || k === "Healthcheck").sort());
    });
  }

  it("its own hostname, MAC, published ports and healthcheck port: main's http port becomes its own", () => {
    for (const k of ["Hostname", "MacAddress"]) expect(worker.engine!.config).not.toHaveProperty(k);
    for (const k of ["PortBindings", "PublishAllPorts"]) expect(worker.engine!.hostConfig).not.toHaveProperty(k);
    expect(worker.engine!.config.Healthcheck).toEqual({ ...hardened.engine.config.Healthcheck, Test: ["CMD", "curl", "-fsS", "http://localhost:8011/health"] });
    expect(worker.ports).toEqual([{ container: 8011, host: 8011, hostIp: "0.0.0.0" }]);
  });

  it("typed fields: main's image, env, binds, user, restart policy; its own name, command, labels (no compose label) and limits", () => {
    expect(worker).toMatchObject({ image: hardened.image, env: hardened.env, binds: hardened.binds, user: "991:991", restartPolicy: "unless-stopped" });
    expect(worker.name).not.toBe(hardened.name);
    expect(worker.cmd).toContain("/data/workers/generic_worker2.yaml");
    expect(Object.keys(worker.labels).filter((k) => k.startsWith("com.docker.compose."))).toEqual([]);
    expect(worker.resources).toEqual({ nanoCpus: 1e9, memoryBytes: 2 ** 30 });
  });

  it("networks: its own alias on the first, main's links and driver options, never main's static address", () => {
    expect(worker.networks).toEqual([
      { name: "fleetlab_default", aliases: ["generic-worker2"], endpoint: { Links: ["redis:cache"], DriverOpts: { "com.example.opt": "1" } } },
      { name: "fleetlab_back", aliases: [] },
    ]);
  });

  it("drops a swap limit the engine derived from main's memory limit (twice it), keeps one main chose", () => {
    const limited = { ...hardened, resources: { nanoCpus: null, memoryBytes: 2 ** 31 }, engine: { ...hardened.engine, hostConfig: { ...hardened.engine.hostConfig, MemorySwap: 2 ** 32 } } };
    expect(workerContainerSpec(limited, input()).engine!.hostConfig).not.toHaveProperty("MemorySwap");
    expect(workerContainerSpec(limited, input({ resources: { memoryMiB: 2048 } })).engine!.hostConfig.MemorySwap).toBe(2 ** 32);
    expect(worker.engine!.hostConfig.MemorySwap).toBe(-1);
  });

  it("has no engine record when main's spec predates it", () => {
    expect(workerContainerSpec(main, input())).not.toHaveProperty("engine");
  });
});

describe("a worker's healthcheck", () => {
  const shell = { Test: ["CMD-SHELL", "curl -fSs http://127.0.0.1:8008/health || exit 1"], Interval: 5e9 };

  it("names the worker's http port where main's named main's, in exec and shell form", () => {
    expect(workerHealthcheck(shell, 8008, 8083)).toEqual({ Test: ["CMD-SHELL", "curl -fSs http://127.0.0.1:8083/health || exit 1"], Interval: 5e9 });
    expect(workerHealthcheck({ Test: ["CMD", "wget", "-q", "http://[::1]:8008/health", "http://localhost:80081/x"] }, 8008, 8083)).toEqual({
      Test: ["CMD", "wget", "-q", "http://[::1]:8083/health", "http://localhost:80081/x"],
    });
  });

  it("is turned off for a worker without an http listener (it has no /health; an image's own check would fail)", () => {
    expect(workerHealthcheck(shell, 8008, null)).toEqual({ Test: ["NONE"] });
  });

  it("is main's as it is when it names no port of main's, is off, or main's port is unknown", () => {
    const pgrep = { Test: ["CMD", "pgrep", "-f", "synapse"] };
    expect(workerHealthcheck(pgrep, 8008, null)).toBe(pgrep);
    expect(workerHealthcheck({ Test: ["NONE"] }, 8008, 8083)).toEqual({ Test: ["NONE"] });
    expect(workerHealthcheck(shell, null, 8083)).toBe(shell);
    expect(workerHealthcheck(undefined, 8008, 8083)).toBeUndefined();
  });
});
