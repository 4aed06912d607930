import { describe, expect, it } from "vitest";
import { fakeContext, proc } from "./fake-context";
import { runOne } from "./run";
import { knownCause, workerStartCheck } from "./worker-start";

const lines = {
  config: ["Traceback (most recent call last):", "synapse.config._base.ConfigError: Unknown listener resource 'clients'"],
  redis: ["synapse.util.check_dependencies.DependencyException: Missing Requirements: ['txredisapi']"],
  port: ["twisted.internet.error.CannotListenError: Couldn't listen on 0.0.0.0:8009: [Errno 98] Address already in use."],
  file: ["FileNotFoundError: [Errno 2] No such file or directory: '/data/workers/gone.yaml'"],
};

describe("known causes", () => {
  it("recognises each cause in a log tail and quotes the line", () => {
    expect(knownCause(lines.config)?.known.id).toBe("config-error");
    expect(knownCause(lines.redis)?.known.id).toBe("txredisapi");
    expect(knownCause(lines.port)?.known.id).toBe("address-in-use");
    expect(knownCause(lines.port)?.line).toMatch(/Errno 98/);
    expect(knownCause(lines.file)?.known.id).toBe("missing-file");
    expect(knownCause(["INFO - started"])).toBeNull();
  });
});

describe("worker-start check", () => {
  it("passes when every process runs", async () => {
    expect((await runOne(workerStartCheck, fakeContext(), [])).status).toBe("pass");
  });

  it("fails for a crashed worker with its exit code, the cause named and its last lines", async () => {
    const ctx = fakeContext({
      processes: [proc("main", "main"), proc("generic_worker2", "generic", { state: "exited" })],
      engine: { ...fakeContext().engine, stateOf: async () => ({ state: "exited", exitCode: 1 }), logsTail: async (_id, n) => ["starting", ...lines.port].slice(-n) },
    });
    const r = await runOne(workerStartCheck, ctx, []);
    expect(r.status).toBe("fail");
    expect(r.process).toBe("generic_worker2");
    expect(r.evidence[0]).toMatch(/generic_worker2 \(lab_generic_worker2\): exited, exit code 1$/);
    expect(r.evidence[1]).toMatch(/known cause: Address already in use/);
    expect(r.evidence).toContain("  starting");
    expect(r.fix).toMatch(/free port/);
  });

  it("a process stopped on purpose (exit 0, nothing wrong in its log) warns, it does not fail", async () => {
    const ctx = fakeContext({
      processes: [proc("main", "main"), proc("media_worker", "media", { state: "exited" })],
      engine: { ...fakeContext().engine, stateOf: async () => ({ state: "exited", exitCode: 0 }), logsTail: async () => ["shutting down"] },
    });
    const r = await runOne(workerStartCheck, ctx, []);
    expect(r.status).toBe("warn");
    expect(r.evidence[0]).toMatch(/stopped, not crashed/);
  });

  it("a restarting worker fails even with exit code 0", async () => {
    const ctx = fakeContext({
      processes: [proc("generic_worker1", "generic", { state: "restarting" })],
      engine: { ...fakeContext().engine, stateOf: async () => ({ state: "restarting", exitCode: 0 }), logsTail: async () => lines.redis },
    });
    const r = await runOne(workerStartCheck, ctx, []);
    expect(r.status).toBe("fail");
    expect(r.fix).toMatch(/matrix-synapse\[redis\]/);
  });

  it("cannot run without the engine: warns saying so", async () => {
    const r = await runOne(workerStartCheck, fakeContext({ dockerError: "connect ENOENT /var/run/docker.sock" }), []);
    expect(r.status).toBe("warn");
    expect(r.evidence[0]).toBe("cannot run: the Docker Engine cannot be reached: connect ENOENT /var/run/docker.sock");
  });
});
