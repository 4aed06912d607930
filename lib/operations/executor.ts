import "server-only";
import type { ProcessRunner } from "@/lib/docker/containers";
import type { DeploymentSnapshot, Plan, Step } from "@/lib/synapse/plan-schema";
import { compensate } from "./compensate";
import { applyFileChanges, verifyBefore, type FileBackup } from "./files";
import type { HealthChecker } from "./health";

export type StepStatus = "pending" | "running" | "succeeded" | "failed" | "skipped" | "compensated";

/** One line of an operation's progress, as recorded and shown: a plan step or an undo step. */
export interface StepRecord {
  index: number;
  kind: string;
  target: string | null;
  reason: string;
  status: StepStatus;
  startedAt: string | null;
  finishedAt: string | null;
  message: string | null;
}

export interface ExecutorDeps {
  runner: ProcessRunner;
  health: HealthChecker;
  /** The config dir the plan's file paths are relative to. */
  dir: string;
  /** Called on every step change and awaited: a step is on record before the executor moves on. */
  onStep: (step: StepRecord) => Promise<void>;
  pollMs?: number;
  stopTimeoutS?: number;
}

export type ExecutionResult =
  | { ok: true }
  | { ok: false; error: string; failedProcess: string | null; failureLogs: string[] | null };

/** What the executor changed so far: exactly what compensation has to undo. */
export interface ExecutionState {
  plan: Plan;
  snapshot: DeploymentSnapshot;
  backups: FileBackup[];
  createdDirs: string[];
  /** Containers this operation created, by process name. */
  created: Map<string, string>;
  /** Snapshot processes whose container this operation removed. */
  removed: Set<string>;
  /** Last start/stop/restart this operation did to a snapshot process, in order. */
  lastAction: Map<string, "start" | "stop" | "restart">;
  /** Snapshot processes (re)started after the config changed: they run the new config. */
  loadedNewConfig: Set<string>;
  /** Snapshot processes told to re-read their log config (SIGHUP) after the files changed. */
  reloaded: Set<string>;
  records: StepRecord[];
}

export function stepTarget(step: Step): string | null {
  if (step.kind === "write_files") return null;
  if (step.kind === "wait_healthy") return step.processes.join(", ");
  return step.process;
}

export function initialRecords(plan: Plan): StepRecord[] {
  return plan.steps.map((s, index) => ({
    index, kind: s.kind, target: stepTarget(s), reason: s.reason, status: "pending", startedAt: null, finishedAt: null, message: null,
  }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A step failure that names the process it is about, so its logs can be kept. */
class StepFailure extends Error {
  constructor(message: string, readonly process: string | null) {
    super(message);
  }
}

/** The container id a process name stands for right now in this operation. */
export function containerIdOf(state: ExecutionState, name: string): string | null {
  const created = state.created.get(name);
  if (created) return created;
  if (state.removed.has(name)) return null;
  return state.snapshot.processes.find((p) => p.name === name)?.container?.id ?? null;
}

/**
 * Polls until every process runs and answers its probe. Gives up early when one has exited
 * (it will not come back by itself, or comes back only to crash again) and when the step's time is up.
 */
export async function waitHealthy(state: ExecutionState, deps: ExecutorDeps, names: string[], timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const results = await deps.health.check(names.map((name) => ({ name, containerId: containerIdOf(state, name) })));
    const down = results.filter((r) => !r.alive);
    if (down.length === 0) return;
    // "restarting" is the engine's restart policy bringing back a process that exited: it crashed.
    const dead = down.find((r) => r.state === "exited" || r.state === "dead" || r.state === "missing" || r.state === "restarting");
    if (dead) {
      const id = containerIdOf(state, dead.name);
      const exit = id ? await deps.runner.stateOf(id).catch(() => null) : null;
      const code = exit?.exitCode != null ? ` with code ${exit.exitCode}` : "";
      throw new StepFailure(dead.state === "missing" ? `${dead.name} has no container` : `${dead.name} exited${code}${dead.state === "restarting" ? " and is being restarted by the engine" : ""}`, dead.name);
    }
    if (Date.now() >= end) {
      const what = down.map((r) => `${r.name} (${r.why ?? (r.state === "running" ? "not answering its health check" : r.state)})`).join(", ");
      throw new StepFailure(`not healthy after ${Math.round(timeoutMs / 1000)} s: ${what}`, down[0].name);
    }
    await sleep(Math.min(deps.pollMs ?? 300, Math.max(0, end - Date.now())));
  }
}

async function runStep(step: Step, state: ExecutionState, deps: ExecutorDeps): Promise<string | null> {
  const id = (name: string) => {
    const found = containerIdOf(state, name);
    if (!found) throw new StepFailure(`no container runs ${name}`, name);
    return found;
  };
  const fromSnapshot = (name: string) => !state.created.has(name);
  const act = async (name: string, action: "start" | "stop" | "restart", fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      throw new StepFailure((err as Error).message, name);
    }
    if (!fromSnapshot(name)) return;
    state.lastAction.set(name, action);
    if (action !== "stop" && state.backups.length > 0) state.loadedNewConfig.add(name);
  };
  switch (step.kind) {
    case "write_files": {
      await verifyBefore(deps.dir, state.plan.files);
      const { createdDirs } = await applyFileChanges(deps.dir, state.plan.files, state.backups);
      state.createdDirs.push(...createdDirs);
      return `${state.plan.files.length} file(s) written`;
    }
    case "create_container": {
      try {
        state.created.set(step.process, await deps.runner.create(step.spec));
      } catch (err) {
        throw new StepFailure((err as Error).message, step.process);
      }
      return `container ${step.spec.name}`;
    }
    case "start":
      await act(step.process, "start", () => deps.runner.start(id(step.process)));
      return null;
    case "stop":
      await act(step.process, "stop", () => deps.runner.stop(id(step.process), deps.stopTimeoutS));
      return null;
    case "restart":
      await act(step.process, "restart", () => deps.runner.restart(id(step.process), deps.stopTimeoutS));
      return null;
    case "reload":
      try {
        await deps.runner.signal(id(step.process), "SIGHUP");
      } catch (err) {
        throw new StepFailure((err as Error).message, step.process);
      }
      if (fromSnapshot(step.process)) state.reloaded.add(step.process);
      return "SIGHUP sent";
    case "remove_container": {
      const cid = id(step.process);
      try {
        await deps.runner.remove(cid, true);
      } catch (err) {
        throw new StepFailure((err as Error).message, step.process);
      }
      if (state.created.get(step.process) === cid) state.created.delete(step.process);
      else state.removed.add(step.process);
      return null;
    }
    case "wait_healthy": {
      const started = Date.now();
      await waitHealthy(state, deps, step.processes, step.timeoutMs);
      return `healthy after ${((Date.now() - started) / 1000).toFixed(1)} s`;
    }
  }
}

async function failureLogsOf(state: ExecutionState, deps: ExecutorDeps, process: string | null): Promise<string[] | null> {
  const id = process ? containerIdOf(state, process) : null;
  if (!id) return null;
  // Best effort: a container that never started has no logs, and that is not a second failure.
  return deps.runner.logsTail(id, 50).catch(() => null);
}

/**
 * Carries out a plan's steps in order. On the first failure it keeps the failing process's
 * last log lines, then compensates: the deployment is put back as the snapshot shows it.
 */
export async function executePlan(plan: Plan, snapshot: DeploymentSnapshot, deps: ExecutorDeps, records = initialRecords(plan)): Promise<ExecutionResult> {
  const state: ExecutionState = {
    plan, snapshot, backups: [], createdDirs: [], created: new Map(), removed: new Set(), lastAction: new Map(), loadedNewConfig: new Set(), reloaded: new Set(), records,
  };
  const update = async (rec: StepRecord, patch: Partial<StepRecord>) => {
    Object.assign(rec, patch);
    await deps.onStep({ ...rec });
  };
  for (const [i, step] of plan.steps.entries()) {
    const rec = records[i];
    await update(rec, { status: "running", startedAt: new Date().toISOString() });
    try {
      const message = await runStep(step, state, deps);
      await update(rec, { status: "succeeded", finishedAt: new Date().toISOString(), message });
    } catch (err) {
      const cause = (err as Error).message;
      const failedProcess = err instanceof StepFailure ? err.process : null;
      await update(rec, { status: "failed", finishedAt: new Date().toISOString(), message: cause });
      const failureLogs = await failureLogsOf(state, deps, failedProcess);
      for (const later of records.slice(i + 1, plan.steps.length)) await update(later, { status: "skipped" });
      const undoProblem = await compensate(state, deps);
      for (const done of records.slice(0, i)) if (done.status === "succeeded") await update(done, { status: "compensated" });
      const error = `Step ${i + 1} (${step.kind}${rec.target ? ` ${rec.target}` : ""}) failed: ${cause}` + (undoProblem ? `. Undoing it also failed: ${undoProblem}` : "");
      return { ok: false, error, failedProcess, failureLogs };
    }
  }
  return { ok: true };
}
