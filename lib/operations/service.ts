import "server-only";
import { engineReachable } from "@/lib/docker/client";
import type { ProcessRunner } from "@/lib/docker/containers";
import { actsOnEngine, RuntimeRunner } from "@/lib/docker/runner";
import type { DeploymentSnapshot, Intent, Operation, Plan } from "@/lib/synapse/plan-schema";
import { PlanError } from "@/lib/synapse/plan-schema";
import { maskPlan } from "@/lib/synapse/secrets";
import { configDir } from "@/lib/topology/config-files";
import { logSafely } from "@/lib/log";
import { OperationConflictError } from "./errors";
import { executePlan, initialRecords, type StepRecord } from "./executor";
import { liveHealthChecker, type HealthChecker } from "./health";
import * as history from "./history";
import { acquireLease, attachOperation, LEASE_TTL_MS, liveLeaseOperations, liveLeases, releaseLease, renewLease, type Lease } from "./lease";
import { admitOperation, type InFlight } from "./shutdown";
import { captureSnapshot } from "./snapshot";
import { testPause, withTestFailure } from "./test-hooks";

/**
 * Runs operations: one at a time per deployment, recorded as they go, followed live by
 * subscribers. The planner is passed in, so this module knows how to apply a plan but not
 * how one is made (index.ts wires in lib/synapse/plan; tests pass hand-built plans).
 */

export interface OperationDeps {
  runner: ProcessRunner;
  health: HealthChecker;
  /** The config dir: the deployment, and the key of its lock. */
  dir: string;
}

export function defaultDeps(): OperationDeps {
  const dir = configDir();
  if (!dir) throw new PlanError("invalid", "SYNAPSE_CONFIG_DIR is not set: there is no deployment to change");
  return { runner: new RuntimeRunner(), health: liveHealthChecker, dir };
}

/** Makes the plan from the snapshot (and, for restores, the deployment to go back to). */
export type Planner = (snapshot: DeploymentSnapshot, restoreTarget: DeploymentSnapshot | undefined) => Plan;

interface Registry {
  /** Deployment (config dir) → the operation applying to it here; "" while it is being planned. */
  running: Map<string, string>;
  subscribers: Map<string, Set<(op: Operation) => void>>;
  emitting: Map<string, Promise<void>>;
  recovered: Promise<string[]> | null;
  /** What to do with the operations a dead dashboard left half-done (index.ts: reconcile them). */
  onInterrupted: ((ids: string[]) => Promise<void>) | null;
  /** Set while that runs: no other operation may start on a half-done deployment. */
  reconciling: { ids: string[]; done: Promise<void> } | null;
}

// On globalThis so Next's dev-mode module reloads share one lock and one set of subscribers.
const holder = globalThis as typeof globalThis & { __fleetOperations?: Registry };
function registry(): Registry {
  holder.__fleetOperations ??= { running: new Map(), subscribers: new Map(), emitting: new Map(), recovered: null, onInterrupted: null, reconciling: null };
  return holder.__fleetOperations;
}

function historyLimit(): number {
  const n = Number(process.env.FLEET_HISTORY_LIMIT);
  return Number.isInteger(n) && n > 0 ? n : 1000;
}

/**
 * Operations a previous run of the dashboard left `applying` become `interrupted`. Once per
 * process, on first use; retried on the next call if the database was not reachable. Resolves
 * to the ids it marked, which are handed to the `onInterrupted` handler (see setInterruptedHandler).
 */
export function recoverInterrupted(): Promise<string[]> {
  const reg = registry();
  if (!reg.recovered) {
    // Applying here, or under a live lease of another dashboard sharing the database: not interrupted
    // (yet: if that dashboard is gone, its lease lapses, and recovery looks again then).
    const ready = liveLeases().then(async (elsewhere) => {
      const here = new Set(reg.running.values());
      const others = elsewhere.filter((l) => l.operationId && !here.has(l.operationId));
      if (others.length > 0) {
        const at = Math.max(...others.map((l) => l.expiresAt.getTime()));
        setTimeout(() => {
          if (reg.recovered === ready) reg.recovered = null;
          void recoverInterrupted().catch(() => undefined);
        }, Math.max(0, at - Date.now()) + 1_000).unref();
      }
      return history.markInterrupted(new Set([...reg.running.values(), ...elsewhere.flatMap((l) => (l.operationId ? [l.operationId] : []))]));
    });
    reg.recovered = ready;
    ready.then(
      // Synchronously, before any caller awaiting `ready` goes on: they see `reconciling`.
      (ids) => startReconciling(ids),
      () => {
        if (reg.recovered === ready) reg.recovered = null;
      },
    );
  }
  return reg.recovered;
}

/** Hands interrupted operations to the handler; until it is done, other operations are refused. */
function startReconciling(ids: string[]): void {
  const reg = registry();
  if (ids.length === 0 || !reg.onInterrupted) return;
  // A stop waits for the put-back (shutdown.ts), which is never cut short: it leaves the deployment whole.
  const work = admitOperation(`putting back ${ids.join(", ")}`, { abortable: false });
  const done = reg.onInterrupted(ids)
    .catch((err: unknown) => logSafely("[operations] reconciling interrupted operations failed:", err))
    .finally(() => {
      if (reg.reconciling?.done === done) reg.reconciling = null;
      work.end();
    });
  reg.reconciling = { ids, done };
}

/** Resolves once interrupted operations found so far are put back (at once when there are none). */
export function whenReconciled(): Promise<void> {
  return registry().reconciling?.done ?? Promise.resolve();
}

/** Who takes care of interrupted operations once they are found (set once by the facade). */
export function setInterruptedHandler(fn: (ids: string[]) => Promise<void>): void {
  registry().onInterrupted = fn;
}

/** The masked API shape of an operation, or null. */
export async function readOperation(id: string): Promise<Operation | null> {
  await recoverInterrupted();
  const row = await history.findOperationRow(id);
  return row ? history.toOperation(row, maskPlan) : null;
}

export function subscribe(id: string, fn: (op: Operation) => void): () => void {
  const subs = registry().subscribers;
  let set = subs.get(id);
  if (!set) subs.set(id, (set = new Set()));
  set.add(fn);
  return () => {
    set.delete(fn);
    if (set.size === 0 && subs.get(id) === set) subs.delete(id);
  };
}

/** Sends subscribers the operation as recorded now; emissions of one operation stay in order. */
function emit(id: string): Promise<void> {
  const reg = registry();
  const previous = reg.emitting.get(id) ?? Promise.resolve();
  const next = previous.then(async () => {
    const subs = reg.subscribers.get(id);
    if (!subs || subs.size === 0) return;
    const op = await readOperation(id);
    if (op) for (const fn of [...subs]) fn(op);
  }).catch((err: unknown) => logSafely(`[operations] notifying subscribers of ${id} failed:`, err));
  reg.emitting.set(id, next);
  void next.then(() => {
    if (reg.emitting.get(id) === next) reg.emitting.delete(id);
  });
  return next;
}

/** Resolves the snapshot a restore goes back to, from history. */
export async function resolveRestore(intent: Intent): Promise<{ operationId: string; snapshot: DeploymentSnapshot } | null> {
  if (intent.kind === "restore") {
    const found = await history.findSnapshot(intent.operationId, intent.point);
    if (!found) throw new PlanError("not_found", `There is no operation ${intent.operationId} in the history`);
    if (!found.snapshot) throw new PlanError("not_found", `Operation ${intent.operationId} has no snapshot from ${intent.point} it`);
    return { operationId: found.operationId, snapshot: found.snapshot };
  }
  if (intent.kind === "restore_workers") {
    const rollback = await history.findLatestSucceeded("rollback_to_single_process");
    if (!rollback?.snapshotBefore) throw new PlanError("not_found", "No rollback to a single process has succeeded: there are no workers to bring back");
    return { operationId: rollback.id, snapshot: rollback.snapshotBefore };
  }
  return null;
}

/**
 * Plans and records an operation, then applies it in the background. Refuses with
 * OperationConflictError while another one applies to the same deployment (in this process,
 * or in another sharing the database), and with ShuttingDownError (503) once the dashboard is
 * stopping; planning errors are thrown before anything is recorded.
 */
export async function beginOperation(
  intent: Intent,
  actor: string,
  planner: Planner,
  deps: OperationDeps = defaultDeps(),
  opts: { reconcile?: boolean } = {},
): Promise<{ operationId: string; done: Promise<void> }> {
  // First, and synchronously: a stop that begins from here on waits for this operation.
  const work = admitOperation(`${intent.kind} (being planned)`, { abortable: !opts.reconcile });
  try {
    const started = await beginAdmitted(intent, actor, planner, deps, opts, work);
    return { operationId: started.operationId, done: started.done.finally(() => work.end()) };
  } catch (err) {
    work.end();
    throw err;
  }
}

async function beginAdmitted(
  intent: Intent,
  actor: string,
  planner: Planner,
  deps: OperationDeps,
  opts: { reconcile?: boolean },
  work: InFlight,
): Promise<{ operationId: string; done: Promise<void> }> {
  await recoverInterrupted();
  const reg = registry();
  if (reg.reconciling && !opts.reconcile) {
    throw new OperationConflictError(`Operation ${reg.reconciling.ids.join(", ")} was left half-done by a previous run of the dashboard and is being put back; wait for it to finish`, null);
  }
  const held = reg.running.get(deps.dir);
  if (held !== undefined) throw new OperationConflictError("Another operation is being applied to this deployment; wait for it to finish", held || null);
  reg.running.set(deps.dir, ""); // taken synchronously after the check: no await in between
  let lease: Lease | null = null;
  let found: string[] = [];
  try {
    // Then across processes: the database lease (lease.ts).
    const got = await acquireLease(deps.dir, null);
    if ("heldBy" in got) {
      const what = got.heldBy.operationId ? `operation ${got.heldBy.operationId}` : "an operation";
      throw new OperationConflictError(`Another dashboard (${got.heldBy.holder}) is applying ${what} to this deployment; wait for it to finish`, got.heldBy.operationId);
    }
    lease = got.lease;
    // Holding the lease, an operation still `applying` was left by a dashboard that died: interrupted.
    found = await history.markInterrupted(new Set([...reg.running.values(), ...(await liveLeaseOperations())]));
    if (found.length > 0 && reg.onInterrupted && !opts.reconcile) {
      throw new OperationConflictError(`Operation ${found.join(", ")} was left half-done by a dashboard that stopped, and is being put back; wait for it to finish`, null);
    }
    found = [];
    const restore = await resolveRestore(intent);
    const snapshot = await captureSnapshot(deps.runner);
    const plan = planner(snapshot, restore?.snapshot);
    const records = initialRecords(plan);
    const operationId = await history.recordApplying({ intent, actor, plan, snapshotBefore: snapshot, restoreOf: restore?.operationId ?? null, steps: records });
    reg.running.set(deps.dir, operationId);
    work.label = operationId;
    await attachOperation(lease, operationId);
    const held = lease;
    const release = async () => {
      await releaseLease(held).catch((err: unknown) => logSafely(`[operations] releasing the lease of ${operationId} failed (it lapses by itself):`, err));
      if (reg.running.get(deps.dir) === operationId) reg.running.delete(deps.dir);
    };
    const done = apply(operationId, plan, snapshot, records, deps, held, work.signal).then(
      async (putBack) => {
        await release();
        // Once the lock is free: the put-back takes it (and waits for the engine).
        if (putBack) startReconciling([operationId]);
      },
      async (err: unknown) => {
        await release();
        throw err;
      },
    );
    return { operationId, done };
  } catch (err) {
    if (lease) await releaseLease(lease).catch(() => undefined);
    reg.running.delete(deps.dir);
    // Once the lock is free again: the put-back takes it.
    startReconciling(found);
    throw err;
  }
}

/** The lease lapsed and another dashboard took it: this one must not take another step. */
class LeaseLostError extends Error {}

/** Renews the lease while an operation applies; `lost` turns true once it is not ours any more. */
function keepLease(lease: Lease): { lost: () => boolean; stop: () => void } {
  let lost = false;
  const timer = setInterval(() => {
    renewLease(lease).then(
      (ok) => void (lost ||= !ok),
      // The database is away for a moment: the lease lasts TTL; a later renewal may still make it.
      (err: unknown) => logSafely("[operations] renewing the operation lease failed:", err),
    );
  }, LEASE_TTL_MS / 3);
  timer.unref();
  return { lost: () => lost, stop: () => clearInterval(timer) };
}

/**
 * Resolves true when the operation ended `interrupted` — the engine went away, or the dashboard is
 * stopping and `signal` stopped it between two steps — and is to be put back (reconcile.ts).
 */
async function apply(id: string, plan: Plan, snapshot: DeploymentSnapshot, records: StepRecord[], deps: OperationDeps, lease: Lease, signal: AbortSignal | undefined): Promise<boolean> {
  const kept = keepLease(lease);
  const onStep = async (step: StepRecord) => {
    // Fencing: checked as each step is recorded, before the executor goes on to act.
    if (kept.lost()) throw new LeaseLostError(`the operation lease of ${lease.deployment} was taken over by another dashboard`);
    try {
      await history.saveStep(id, step);
    } catch (err) {
      // The operation goes on: stopping halfway because a progress line was not written would be worse.
      logSafely(`[operations] recording step ${step.index} of ${id} failed:`, err);
    }
    void emit(id);
    await testPause(step);
  };
  let outcome: Parameters<typeof history.recordFinished>[1];
  let stoppedHere = false;
  try {
    // The test hooks (test-hooks.ts) are inert unless FLEET_TEST_HOOKS=1.
    const result = await executePlan(plan, snapshot, withTestFailure({ ...deps, onStep, signal }, plan.steps.length), records);
    stoppedHere = !result.ok && "interrupted" in result;
    outcome = result.ok
      ? { status: "succeeded", error: null, failureLogs: null, snapshotAfter: null }
      : { status: stoppedHere ? "interrupted" : "failed", error: result.error, failureLogs: result.failureLogs, snapshotAfter: null };
  } catch (err) {
    outcome =
      err instanceof LeaseLostError
        ? { status: "interrupted", error: `Stopped between two steps: ${err.message}`, failureLogs: null, snapshotAfter: null }
        : { status: "failed", error: `The executor stopped unexpectedly: ${(err as Error).message}`, failureLogs: null, snapshotAfter: null };
  } finally {
    kept.stop();
  }
  // A step or its undo failed because the engine itself went away (restarted, crashed): what the
  // containers are now is unknown until it is back, so the operation is interrupted, and put back
  // to its before-snapshot once the engine answers again (reconcile.ts waits for it).
  const engineLost = outcome.status === "failed" && actsOnEngine(deps.runner) && !(await engineReachable());
  if (engineLost) {
    outcome = {
      status: "interrupted",
      error: `${outcome.error} — the Docker Engine went away during this operation; it is put back to the snapshot from before it once the engine answers again.`,
      failureLogs: outcome.failureLogs,
      snapshotAfter: null,
    };
  }
  try {
    outcome.snapshotAfter = await captureSnapshot(deps.runner);
  } catch (err) {
    logSafely(`[operations] the snapshot after ${id} could not be taken:`, err);
  }
  await history.recordFinished(id, outcome);
  await history.pruneHistory(historyLimit()).catch((err: unknown) => logSafely("[operations] pruning history failed:", err));
  await emit(id);
  // Stopped at a safe point because the dashboard is stopping: put back now, as one a dead dashboard left.
  return engineLost || stoppedHere;
}
