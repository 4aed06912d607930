import "server-only";
import type { DeploymentSnapshot, Plan, Step } from "@/lib/synapse/plan-schema";
import { compensate } from "./compensate";
import { applyFileChanges, verifyBefore } from "./files";
import { interruptReason, StepInterrupted } from "./interruption";
import { runReloadLb, type LbDeps } from "./lb";
import { containerIdOf, initialRecords, StepFailure, waitHealthy, type ExecutionResult, type ExecutionState, type ExecutorDeps, type StepRecord } from "./state";

export { containerIdOf, initialRecords, stepTarget, waitHealthy } from "./state";
export type { ExecutionResult, ExecutionState, ExecutorDeps, StepRecord, StepStatus } from "./state";

async function runStep(step: Step, state: ExecutionState, deps: ExecutorDeps & LbDeps): Promise<string | null> {
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
      await waitHealthy(state, deps, step.processes, step.timeoutMs, deps.signal);
      return `healthy after ${((Date.now() - started) / 1000).toFixed(1)} s`;
    }
    case "reload_lb":
      return runReloadLb(step, state, deps);
  }
}

async function failureLogsOf(state: ExecutionState, deps: ExecutorDeps, process: string | null): Promise<string[] | null> {
  const id = process ? containerIdOf(state, process) : null;
  if (!id) return null;
  // Best effort: a container that never started has no logs, and that is not a second failure.
  return deps.runner.logsTail(id, 50).catch(() => null);
}

/** What a stopped operation's error says: where it stopped, and why. */
function interruptedError(plan: Plan, records: StepRecord[], i: number, during: boolean, reason: string): string {
  const label = (j: number) => `${plan.steps[j].kind}${records[j].target ? ` ${records[j].target}` : ""}`;
  const n = plan.steps.length;
  if (during) return `The dashboard was stopped during step ${i + 1} of ${n} (${label(i)}): ${reason}; it stopped waiting there.`;
  if (i === 0) return `The dashboard was stopped before step 1 of ${n} (${label(0)}) began: ${reason}; nothing was changed.`;
  return `The dashboard was stopped during step ${i} of ${n} (${label(i - 1)}): ${reason}; it stopped once that step ended, before step ${i + 1} (${label(i)}).`;
}

/**
 * Carries out a plan's steps in order. On the first failure it keeps the failing process's
 * last log lines, then compensates: the deployment is put back as the snapshot shows it.
 * When `deps.signal` fires it stops at the next safe point (before a step, or in a health wait)
 * and returns `interrupted` without undoing anything: that is the recovery path's to do.
 */
export async function executePlan(plan: Plan, snapshot: DeploymentSnapshot, deps: ExecutorDeps & LbDeps, records = initialRecords(plan)): Promise<ExecutionResult> {
  const state: ExecutionState = {
    plan, snapshot, backups: [], createdDirs: [], created: new Map(), removed: new Set(), lastAction: new Map(), loadedNewConfig: new Set(), reloaded: new Set(), records,
  };
  const update = async (rec: StepRecord, patch: Partial<StepRecord>) => {
    Object.assign(rec, patch);
    await deps.onStep({ ...rec });
  };
  const stop = async (i: number, during: boolean, reason: string): Promise<ExecutionResult> => {
    if (during) await update(records[i], { status: "failed", finishedAt: new Date().toISOString(), message: `stopped: ${reason}` });
    for (const later of records.slice(during ? i + 1 : i, plan.steps.length)) await update(later, { status: "skipped" });
    return { ok: false, interrupted: true, error: interruptedError(plan, records, i, during, reason), failedProcess: null, failureLogs: null };
  };
  for (const [i, step] of plan.steps.entries()) {
    const rec = records[i];
    // The cancellation point: between two steps, nothing is half-done.
    if (deps.signal?.aborted) return stop(i, false, interruptReason(deps.signal));
    await update(rec, { status: "running", startedAt: new Date().toISOString() });
    try {
      const message = await runStep(step, state, deps);
      await update(rec, { status: "succeeded", finishedAt: new Date().toISOString(), message });
    } catch (err) {
      if (err instanceof StepInterrupted) return stop(i, true, err.reason);
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
