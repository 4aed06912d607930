import { describe, expect, it } from "vitest";
import type { HealthChecker } from "./health";
import { MAX_CRASH_RESTARTS, NODE_DOWN, StepFailure, waitHealthy, type ExecutionState, type ExecutorDeps } from "./state";

/** One process whose state follows a script, poll by poll (the last state repeats). */
function scripted(states: string[]): HealthChecker {
  let i = 0;
  return {
    async check(targets) {
      const s = states[Math.min(i++, states.length - 1)];
      return targets.map(({ name }) => ({ name, alive: s === "healthy", state: s === "healthy" || s === "starting" ? "running" : s }));
    },
  };
}

const state = { created: new Map(), removed: new Set(), snapshot: { processes: [{ name: "w1", container: { id: "c-w1" } }] } } as unknown as ExecutionState;
const deps = (health: HealthChecker) =>
  ({ health, pollMs: 1, runner: { stateOf: async () => ({ state: "restarting", exitCode: 1 }) } }) as unknown as ExecutorDeps;

describe("waitHealthy and the engine's restart policy", () => {
  it("waits through a crash at start that the restart policy recovers from (Synapse's transient serialization failure)", async () => {
    const health = scripted(["starting", "restarting", "restarting", "starting", "restarting", "starting", "healthy"]);
    await expect(waitHealthy(state, deps(health), ["w1"], 10_000)).resolves.toBeUndefined();
  });

  it(`gives up on a process that keeps crashing: more than ${MAX_CRASH_RESTARTS} restarts in one wait`, async () => {
    const health = scripted(["restarting", "starting", "restarting", "starting", "restarting", "starting", "healthy"]);
    const err = await waitHealthy(state, deps(health), ["w1"], 10_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepFailure);
    expect((err as StepFailure).message).toBe(`w1 exited with code 1 and is being restarted by the engine (crash ${MAX_CRASH_RESTARTS + 1} in this wait)`);
  });

  it("an exited process still fails at once", async () => {
    const health = scripted(["starting", "exited", "healthy"]);
    await expect(waitHealthy(state, deps(health), ["w1"], 10_000)).rejects.toThrow("w1 exited with code 1");
  });

  it("gives up at once on a process whose swarm node is down, naming the node", async () => {
    const health: HealthChecker = {
      async check(targets) {
        return targets.map(({ name }) => ({ name, alive: false, state: NODE_DOWN, why: "its node node3 is down" }));
      },
    };
    await expect(waitHealthy(state, deps(health), ["w1"], 600_000)).rejects.toThrow("w1 cannot come up: its node node3 is down");
  });
});
