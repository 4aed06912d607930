import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ProcessRunner } from "@/lib/docker/containers";
import type { ContainerSpec, DeploymentSnapshot, Plan, Step } from "@/lib/synapse/plan-schema";
import { executePlan, type StepRecord } from "./executor";
import type { HealthChecker } from "./health";

// The executor's cancellation point: a fired signal stops an operation before its next step or
// inside a health wait, and leaves what was done for the recovery path (nothing is undone here).

const REASON = "SIGTERM, and the operation did not end within the 0.1 s shutdown grace (FLEET_SHUTDOWN_GRACE_MS)";

const spec = (name: string): ContainerSpec => ({
  name, image: "synapse", entrypoint: null, cmd: ["python3", "-m", "synapse.app.generic_worker"], env: {}, binds: [],
  networks: [{ name: "net", aliases: [name] }], labels: {}, restartPolicy: "unless-stopped", user: null, ports: [], resources: { nanoCpus: null, memoryBytes: null },
});

type Proc = DeploymentSnapshot["processes"][number];
const running = (name: string): Proc => ({
  name, type: name === "main" ? "main" : "generic", state: "running", configFile: name === "main" ? null : `workers/${name}.yaml`,
  container: { ...spec(`c-${name}`), id: `id-${name}`, managedByFleet: false },
});

/** A runner that only writes down what it was asked to do. */
function recordingRunner(): ProcessRunner & { calls: string[]; failStart: string | null } {
  const calls: string[] = [];
  return {
    calls,
    failStart: null,
    async create(s) {
      calls.push(`create ${s.name}`);
      return `new-${s.name}`;
    },
    async start(id) {
      calls.push(`start ${id}`);
      if (this.failStart === id) throw new Error("port is already allocated");
    },
    async stop(id) { calls.push(`stop ${id}`); },
    async restart(id) { calls.push(`restart ${id}`); },
    async remove(id) { calls.push(`remove ${id}`); },
    async specOf(id) { return spec(id); },
    async stateOf() { return { state: "running", exitCode: null }; },
    async logsTail(id) {
      calls.push(`logs ${id}`);
      return [];
    },
    async usedHostPorts() { return []; },
    async signal(id, sig) { calls.push(`signal ${id} ${sig}`); },
  };
}

/** Health answers: a process named in `down` answers "not yet" for that many more checks (Infinity: never). */
function countingHealth(down: Record<string, number>): HealthChecker & { checks: number } {
  const left = new Map(Object.entries(down));
  const h = {
    checks: 0,
    async check(targets: Array<{ name: string; containerId: string | null }>) {
      h.checks++;
      return targets.map(({ name }) => {
        const n = left.get(name) ?? 0;
        if (n > 0) left.set(name, n - 1);
        return { name, alive: n === 0, state: "running" };
      });
    },
  };
  return h;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fleet-stop-"));
  writeFileSync(path.join(dir, "homeserver.yaml"), "server_name: x\n");
  mkdirSync(path.join(dir, "workers"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const files: Plan["files"] = [{ path: "workers/w2.yaml", before: null, after: "worker_name: w2\n" }];
const addW2: Step[] = [
  { kind: "write_files", reason: "config" },
  { kind: "create_container", process: "w2", spec: spec("c-w2"), reason: "new" },
  { kind: "start", process: "w2", reason: "new" },
  { kind: "wait_healthy", processes: ["w2"], timeoutMs: 60_000, reason: "up" },
];
const plan = (steps: Step[]): Plan => ({ intent: { kind: "add_worker", type: "generic" }, summary: "test", files, steps, restarts: [], destructive: false, expected: [], warnings: [] });
const snapshot: DeploymentSnapshot = { takenAt: "now", files: {}, processes: [running("main"), running("w1")], usedHostPorts: [] };

function harness(health: HealthChecker, onRecord: (r: StepRecord, ctl: AbortController) => void = () => undefined) {
  const runner = recordingRunner();
  const ctl = new AbortController();
  const records: StepRecord[] = [];
  const deps = {
    runner, health, dir, pollMs: 5, signal: ctl.signal,
    onStep: async (r: StepRecord) => {
      records.push(r);
      onRecord(r, ctl);
    },
  };
  const final = () => [...new Map(records.map((r) => [r.index, r])).values()].map((r) => `${r.kind}:${r.status}`);
  return { runner, ctl, records, deps, final };
}

describe("executePlan stopped by its signal", () => {
  it("stops before the next step once the signal fired during a step, and undoes nothing", async () => {
    const h = harness(countingHealth({}), (r, ctl) => {
      if (r.index === 1 && r.status === "running") ctl.abort(REASON);
    });
    const result = await executePlan(plan(addW2), snapshot, h.deps);
    expect(result).toEqual({
      ok: false,
      interrupted: true,
      error: `The dashboard was stopped during step 2 of 4 (create_container w2): ${REASON}; it stopped once that step ended, before step 3 (start w2).`,
      failedProcess: null,
      failureLogs: null,
    });
    // The step under way finished; nothing after it ran and nothing was undone (no remove, file kept).
    expect(h.runner.calls).toEqual(["create c-w2"]);
    expect(readFileSync(path.join(dir, "workers/w2.yaml"), "utf8")).toBe("worker_name: w2\n");
    expect(h.final()).toEqual(["write_files:succeeded", "create_container:succeeded", "start:skipped", "wait_healthy:skipped"]);
  });

  it("stops a health wait as soon as the signal fires, long before the step's timeout", async () => {
    const health = countingHealth({ w2: Infinity });
    const h = harness(health, (r, ctl) => {
      if (r.index === 3 && r.status === "running") setTimeout(() => ctl.abort(REASON), 50);
    });
    const started = Date.now();
    const result = await executePlan(plan(addW2), snapshot, h.deps);
    // Frozen-or-not bound: the step's own timeout is 60 s.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result).toMatchObject({ ok: false, interrupted: true, error: `The dashboard was stopped during step 4 of 4 (wait_healthy w2): ${REASON}; it stopped waiting there.` });
    expect(h.runner.calls).toEqual(["create c-w2", "start new-c-w2"]);
    expect(h.final()).toEqual(["write_files:succeeded", "create_container:succeeded", "start:succeeded", "wait_healthy:failed"]);
    expect(h.records.at(-1)?.message).toBe(`stopped: ${REASON}`);
    expect(health.checks).toBeGreaterThan(0);
  });

  it("changes nothing when the signal fired before the first step", async () => {
    const h = harness(countingHealth({}));
    h.ctl.abort(REASON);
    const result = await executePlan(plan(addW2), snapshot, h.deps);
    expect(result).toMatchObject({ ok: false, interrupted: true, error: `The dashboard was stopped before step 1 of 4 (write_files) began: ${REASON}; nothing was changed.` });
    expect(h.runner.calls).toEqual([]);
    expect(() => readFileSync(path.join(dir, "workers/w2.yaml"))).toThrow();
    expect(h.final()).toEqual(["write_files:skipped", "create_container:skipped", "start:skipped", "wait_healthy:skipped"]);
  });

  it("a step that fails after the signal fired is still undone in full: compensation's wait is not cut short", async () => {
    // w1 answers only from its 4th check on: the undo's wait must keep polling although the signal fired.
    const health = countingHealth({ w1: 3 });
    const h = harness(health, (r, ctl) => {
      if (r.index === 2 && r.status === "running") ctl.abort(REASON);
    });
    h.runner.failStart = "new-c-w2";
    const result = await executePlan(plan(addW2), snapshot, h.deps);
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/^Step 3 \(start w2\) failed: port is already allocated$/) });
    expect("interrupted" in result).toBe(false);
    expect(h.runner.calls).toEqual(["create c-w2", "start new-c-w2", "logs new-c-w2", "remove new-c-w2"]);
    expect(() => readFileSync(path.join(dir, "workers/w2.yaml"))).toThrow();
    const undoWait = h.records.filter((r) => r.kind === "wait_healthy" && r.reason.startsWith("undo:")).at(-1);
    expect(undoWait?.status).toBe("succeeded");
    expect(health.checks).toBe(4);
  });

  it("a signal that fires after the last step began changes nothing: the operation succeeded", async () => {
    const h = harness(countingHealth({}), (r, ctl) => {
      if (r.index === 3 && r.status === "succeeded") ctl.abort(REASON);
    });
    expect(await executePlan(plan(addW2), snapshot, h.deps)).toEqual({ ok: true });
    expect(h.final()).toEqual(["write_files:succeeded", "create_container:succeeded", "start:succeeded", "wait_healthy:succeeded"]);
  });
});
