import "server-only";
import type { ProcessRunner } from "@/lib/docker/containers";
import type { DeploymentSnapshot, Plan, Step } from "@/lib/synapse/plan-schema";
import type { FileBackup } from "./files";
import type { HealthChecker } from "./health";
import { sleepUnlessInterrupted, throwIfInterrupted } from "./interruption";

/** The state a health check gives a process whose Swarm node is down: the wait gives up on it at once. */
export const NODE_DOWN = "node_down";

/**
 * What the executor and its compensation share: the step records, the dependencies, the state of
 * a plan being carried out, and the health wait both use. Its own module, so that executor.ts
 * (which calls compensate) and compensate.ts (which reads the state) do not import each other.
 */

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
  /** Fired when the operation must stop (the dashboard is stopping): looked at between steps and in waits. */
  signal?: AbortSignal;
}

export type ExecutionResult =
  | { ok: true }
  | { ok: false; error: string; failedProcess: string | null; failureLogs: string[] | null }
  // Stopped on its signal at a safe point, nothing undone: the recovery path puts it back (reconcile.ts).
  | { ok: false; interrupted: true; error: string; failedProcess: null; failureLogs: null };

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

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A step failure that names the process it is about, so its logs can be kept. */
export class StepFailure extends Error {
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

/** Restarts by the engine's restart policy a process may need during one health wait (see waitHealthy). */
export const MAX_CRASH_RESTARTS = 2;

/**
 * Polls until every process runs and answers its probe. Gives up early when one has exited
 * (it will not come back by itself, or comes back only to crash again) and when the step's time is up.
 * With a `signal` (the executor's, never compensation's: an undo runs to its end) it stops waiting
 * once that fires, throwing StepInterrupted: a wait changes nothing, so it is a safe point.
 */
export async function waitHealthy(state: ExecutionState, deps: ExecutorDeps, names: string[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const end = Date.now() + timeoutMs;
  // "restarting" is the engine's restart policy bringing back a process that exited: it crashed.
  // Synapse can crash once at start for a reason that passes (many stream writers starting at once:
  // "could not serialize access due to concurrent delete" loading their stream positions), so a
  // process gets MAX_CRASH_RESTARTS restarts by its policy before the wait gives up on it.
  const crashes = new Map<string, number>();
  const wasRestarting = new Set<string>();
  for (;;) {
    const results = await deps.health.check(names.map((name) => ({ name, containerId: containerIdOf(state, name) })));
    const down = results.filter((r) => !r.alive);
    if (down.length === 0) return;
    for (const r of results) {
      if (r.state === "restarting" && !wasRestarting.has(r.name)) crashes.set(r.name, (crashes.get(r.name) ?? 0) + 1);
      if (r.state === "restarting") wasRestarting.add(r.name);
      else wasRestarting.delete(r.name);
    }
    const dead = down.find((r) => r.state === "exited" || r.state === "dead" || r.state === "missing" || r.state === NODE_DOWN || (r.state === "restarting" && (crashes.get(r.name) ?? 0) > MAX_CRASH_RESTARTS));
    if (dead?.state === NODE_DOWN) throw new StepFailure(`${dead.name} cannot come up: ${dead.why ?? "its node is down"}`, dead.name);
    if (dead) {
      const id = containerIdOf(state, dead.name);
      const exit = id ? await deps.runner.stateOf(id).catch(() => null) : null;
      const code = exit?.exitCode != null ? ` with code ${exit.exitCode}` : "";
      throw new StepFailure(dead.state === "missing" ? `${dead.name} has no container` : `${dead.name} exited${code}${dead.state === "restarting" ? ` and is being restarted by the engine (crash ${crashes.get(dead.name)} in this wait)` : ""}`, dead.name);
    }
    throwIfInterrupted(signal);
    if (Date.now() >= end) {
      const what = down.map((r) => `${r.name} (${r.why ?? (r.state === "running" ? "not answering its health check" : r.state)})`).join(", ");
      throw new StepFailure(`not healthy after ${Math.round(timeoutMs / 1000)} s: ${what}`, down[0].name);
    }
    await sleepUnlessInterrupted(Math.min(deps.pollMs ?? 300, Math.max(0, end - Date.now())), signal);
  }
}

