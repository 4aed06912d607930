import type { Stats } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkEngineSocket, engineSocketPath, type SocketProbe } from "./engine-socket";

const socketStat = { isSocket: () => true, uid: 0, gid: 111, mode: 0o140660 } as unknown as Stats;
const enoent = Object.assign(new Error("ENOENT: no such file or directory"), { code: "ENOENT" });

function probe(over: Partial<SocketProbe> = {}): SocketProbe {
  return { stat: async () => socketStat, canOpen: async () => undefined, ping: async () => true, uid: 10001, groups: [10001], ...over };
}

describe("engineSocketPath", () => {
  it("is the default socket, a unix DOCKER_HOST's path, or none for tcp", () => {
    expect(engineSocketPath({})).toBe("/var/run/docker.sock");
    expect(engineSocketPath({ DOCKER_HOST: "unix:///run/user/1000/docker.sock" })).toBe("/run/user/1000/docker.sock");
    expect(engineSocketPath({ DOCKER_HOST: "tcp://10.0.0.2:2376" })).toBeNull();
  });
});

describe("checkEngineSocket", () => {
  it("passes a socket it can open and an engine that answers", async () => {
    expect(await checkEngineSocket({}, probe())).toMatchObject({ status: "ok" });
  });

  it("names a missing socket and how to mount it", async () => {
    const f = await checkEngineSocket({}, probe({ stat: async () => Promise.reject(enoent) }));
    expect(f.status).toBe("problem");
    expect(f.message).toContain("/var/run/docker.sock does not exist in this container");
    expect(f.fix).toContain("-v /var/run/docker.sock:/var/run/docker.sock");
  });

  it("names the socket's group when this user may not open it", async () => {
    const f = await checkEngineSocket({}, probe({ canOpen: async () => Promise.reject(Object.assign(new Error("EACCES"), { code: "EACCES" })) }));
    expect(f.status).toBe("problem");
    expect(f.message).toContain("group 111, mode 0660) cannot be opened by uid 10001 with groups [10001]");
    expect(f.fix).toContain("--group-add 111");
  });

  it("says a directory mounted in the socket's place is not a socket", async () => {
    const f = await checkEngineSocket({}, probe({ stat: async () => ({ ...socketStat, isSocket: () => false }) as Stats }));
    expect(f).toMatchObject({ status: "problem", message: expect.stringContaining("is not a socket") });
  });

  it("reports an engine that does not answer, over tcp as well", async () => {
    const f = await checkEngineSocket({ DOCKER_HOST: "tcp://10.0.0.2:2376" }, probe({ ping: async () => false, stat: async () => Promise.reject(enoent) }));
    expect(f).toMatchObject({ status: "problem", message: expect.stringContaining("DOCKER_HOST=tcp://10.0.0.2:2376 does not answer") });
  });
});
