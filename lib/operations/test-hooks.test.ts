import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ProcessRunner } from "@/lib/docker/containers";
import type { ContainerSpec, DeploymentSnapshot, Plan, Step } from "@/lib/synapse/plan-schema";
import { executePlan, type ExecutorDeps, type StepRecord } from "./executor";
import type { HealthChecker } from "./health";
import { InjectedStepFailure, testPause, withTestFailure } from "./test-hooks";

const spec: ContainerSpec = {
  name: "c-w2", image: "synapse", entrypoint: null, cmd: [], env: {}, binds: [], networks: [], labels: {},
  restartPolicy: "no", user: null, ports: [], resources: { nanoCpus: null, memoryBytes: null },
};

/** Only what these tests need of a runner: the calls, in order. */
function fakeRunner(calls: string[]): ProcessRunner {
  return {
    create: async (s) => (calls.push(`create ${s.name}`), "id-w2"),
    start: async (id) => void calls.push(`start ${id}`),
    stop: async (id) => void calls.push(`stop ${id}`),
    restart: async (id) => void calls.push(`restart ${id}`),
    remove: async (id) => void calls.push(`remove ${id}`),
    specOf: async () => spec,
    stateOf: async () => ({ state: "running", exitCode: null }),
    logsTail: async () => [],
    usedHostPorts: async () => [],
    signal: async (id, sig) => void calls.push(`signal ${id} ${sig}`),
  };
}

const healthy: HealthChecker = { check: async (targets) => targets.map(({ name }) => ({ name, alive: true, state: "running" })) };

const steps: Step[] = [
  { kind: "write_files", reason: "the new worker's file" },
  { kind: "create_container", process: "w2", spec, reason: "a container for it" },
  { kind: "start", process: "w2", reason: "start it" },
  { kind: "wait_healthy", processes: ["w2"], timeoutMs: 1_000, reason: "it answers" },
];
const plan: Plan = {
  intent: { kind: "add_worker", type: "generic" }, summary: "add w2", steps, restarts: [], destructive: false, expected: [], warnings: [],
  files: [{ path: "workers/w2.yaml", before: null, after: "worker_name: w2\n" }],
};
const snapshot: DeploymentSnapshot = { takenAt: "now", files: {}, processes: [], usedHostPorts: [] };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fleet-hooks-"));
  writeFileSync(path.join(dir, "homeserver.yaml"), "server_name: x\n");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function harness() {
  const calls: string[] = [];
  const records: StepRecord[] = [];
  const deps: ExecutorDeps = { runner: fakeRunner(calls), health: healthy, dir, pollMs: 5, onStep: async (s) => void records.push(s) };
  return { calls, records, deps };
}

/** The last status each step index reached. */
const finalStatuses = (records: StepRecord[]) => {
  const last = new Map<number, string>();
  for (const r of records) last.set(r.index, `${r.kind}:${r.status}`);
  return [...last.entries()].sort(([a], [b]) => a - b).map(([, s]) => s);
};

describe("FLEET_TEST_FAIL_AFTER_STEP", () => {
  it.each([
    ["hooks unset", { FLEET_TEST_FAIL_AFTER_STEP: "1" }],
    ["hooks 0", { FLEET_TEST_HOOKS: "0", FLEET_TEST_FAIL_AFTER_STEP: "1" }],
    ["hooks true (only 1 turns them on)", { FLEET_TEST_HOOKS: "true", FLEET_TEST_FAIL_AFTER_STEP: "1" }],
    ["no step named", { FLEET_TEST_HOOKS: "1" }],
    ["not a step index", { FLEET_TEST_HOOKS: "1", FLEET_TEST_FAIL_AFTER_STEP: "-1" }],
    ["the last step (nothing after it to fail)", { FLEET_TEST_HOOKS: "1", FLEET_TEST_FAIL_AFTER_STEP: "3" }],
  ])("is inert with %s: the dependencies are handed through untouched and the plan succeeds", async (_label, env) => {
    const h = harness();
    expect(withTestFailure(h.deps, steps.length, env)).toBe(h.deps);
    const result = await executePlan(plan, snapshot, withTestFailure(h.deps, steps.length, env));
    expect(result).toEqual({ ok: true });
    expect(h.calls).toEqual(["create c-w2", "start id-w2"]);
    expect(existsSync(path.join(dir, "workers/w2.yaml"))).toBe(true);
  });

  it("fails the step after N as it begins to act, and compensation undoes steps 0…N", async () => {
    const h = harness();
    const result = await executePlan(plan, snapshot, withTestFailure(h.deps, steps.length, { FLEET_TEST_HOOKS: "1", FLEET_TEST_FAIL_AFTER_STEP: "1" }));
    expect(result).toMatchObject({ ok: false, failedProcess: "w2", error: `Step 3 (start w2) failed: ${new InjectedStepFailure(1).message}` });
    // The start never reached the runner; the created container is removed, the new file deleted.
    expect(h.calls).toEqual(["create c-w2", "remove id-w2"]);
    expect(finalStatuses(h.records)).toEqual(["write_files:compensated", "create_container:compensated", "start:failed", "wait_healthy:skipped", "write_files:succeeded", "remove_container:succeeded"]);
    expect(existsSync(path.join(dir, "workers/w2.yaml"))).toBe(false);
  });

  it("fails a health wait that follows step N, then fires no more (the undo steps run)", async () => {
    const h = harness();
    const result = await executePlan(plan, snapshot, withTestFailure(h.deps, steps.length, { FLEET_TEST_HOOKS: "1", FLEET_TEST_FAIL_AFTER_STEP: "2" }));
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/^Step 4 \(wait_healthy w2\) failed: injected by FLEET_TEST_FAIL_AFTER_STEP=2/) });
    expect(h.calls).toEqual(["create c-w2", "start id-w2", "remove id-w2"]);
    expect(finalStatuses(h.records).slice(0, 4)).toEqual(["write_files:compensated", "create_container:compensated", "start:compensated", "wait_healthy:failed"]);
    expect(h.records.filter((r) => r.index >= steps.length).every((r) => r.status !== "failed")).toBe(true);
  });
});

describe("FLEET_TEST_PAUSE_AFTER_STEP", () => {
  const step: StepRecord = { index: 2, kind: "start", target: "w2", reason: "", status: "succeeded", startedAt: null, finishedAt: null, message: null };

  it("is inert unless FLEET_TEST_HOOKS=1: it returns at once and writes no pause file", async () => {
    const pauseFile = path.join(dir, "paused");
    await testPause(step, { FLEET_TEST_PAUSE_AFTER_STEP: "2", FLEET_TEST_PAUSE_FILE: pauseFile });
    await testPause(step, { FLEET_TEST_HOOKS: "0", FLEET_TEST_PAUSE_AFTER_STEP: "2", FLEET_TEST_PAUSE_FILE: pauseFile });
    expect(existsSync(pauseFile)).toBe(false);
  });

  it("pauses after the named step, says so in the pause file, and goes on once the resume file exists", async () => {
    const pauseFile = path.join(dir, "paused");
    const resumeFile = path.join(dir, "resume");
    let resumed = false;
    const paused = testPause(step, { FLEET_TEST_HOOKS: "1", FLEET_TEST_PAUSE_AFTER_STEP: "2", FLEET_TEST_PAUSE_FILE: pauseFile, FLEET_TEST_RESUME_FILE: resumeFile }).then(() => void (resumed = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(readFileSync(pauseFile, "utf8")).toBe("2\n");
    expect(resumed).toBe(false);
    writeFileSync(resumeFile, "");
    await paused;
    expect(resumed).toBe(true);
  });
});
