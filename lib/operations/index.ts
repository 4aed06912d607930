import "server-only";
import path from "node:path";
import { exportCompose, exportComposeSecrets } from "@/lib/synapse/compose";
import { planIntent } from "@/lib/synapse/plan";
import type { PlanContext } from "@/lib/synapse/plan-context";
import type { Intent, Operation, Plan } from "@/lib/synapse/plan-schema";
import { maskPlan } from "@/lib/synapse/secrets";
import { readConfigFile } from "@/lib/fs/safe";
import { fileVersion } from "@/lib/synapse/file-version";
import { unmaskSecrets } from "@/lib/synapse/secrets-unmask";
import { configDir } from "@/lib/topology/config-files";
import { OperationConflictError } from "./errors";
import { confirmedPlanner, planFingerprint } from "./fingerprint";
import * as history from "./history";
import { reconcileInterrupted, RECONCILER } from "./reconcile";
import { beginOperation, defaultDeps, readOperation, recoverInterrupted, resolveRestore, setInterruptedHandler, subscribe, whenReconciled, type Planner } from "./service";
import { captureSnapshot } from "./snapshot";
import { logSafely } from "@/lib/log";

// The one door the API routes and the CLI use to change the deployment. Intents arrive typed:
// each edge parses what it was sent once (the routes with lib/contract's schemas), and the
// planner refuses an intent it cannot carry out.
export { OperationConflictError };
export { expectedFingerprint, PlanChangedError } from "./fingerprint";
export { operationEvents, type OperationChannel } from "./events";

/** The planner's settings, from the environment. */
export function planSettings(env: Record<string, string | undefined> = process.env): NonNullable<PlanContext["settings"]> {
  const command = env.FLEET_WORKER_COMMAND?.trim();
  const timeout = Number(env.FLEET_HEALTH_TIMEOUT_MS);
  return {
    workerCommand: command ? command.split(/\s+/) : null,
    healthTimeoutMs: Number.isInteger(timeout) && timeout > 0 ? timeout : 120_000,
    configDir: env.SYNAPSE_CONFIG_DIR ? path.resolve(env.SYNAPSE_CONFIG_DIR) : null,
    sharedMediaStore: env.FLEET_SWARM_SHARED_MEDIA === "1",
  };
}

function plannerFor(intent: Intent, edits?: Record<string, string>): Planner {
  const settings = planSettings();
  return (snapshot, restoreTarget) => planIntent(intent, { snapshot, settings, restoreTarget, edits });
}

/** A previewed plan (secrets masked) and its fingerprint, which an apply may send back. */
export interface PreviewedPlan {
  plan: Plan;
  fingerprint: string;
}

// Operations a dead dashboard left half-done are put back by a recorded restore (reconcile.ts).
setInterruptedHandler((ids) =>
  reconcileInterrupted(ids, (intent) => beginOperation(intent, RECONCILER, plannerFor(intent), defaultDeps(), { reconcile: true })),
);

/**
 * At server start: finds what a previous run left applying and puts it back in the background,
 * rather than on the first request. A database that is not up yet is tried again on first use.
 */
export function recoverAtStart(): Promise<void> {
  return recoverInterrupted().then(
    () => whenReconciled(),
    (err: unknown) => logSafely("[operations] recovery at start failed (retried on first use):", err),
  );
}

/** What an intent would do, without doing it (secrets masked). Throws PlanError. */
export async function previewPlan(intent: Intent): Promise<PreviewedPlan> {
  const restore = await resolveRestore(intent);
  const plan = plannerFor(intent)(await captureSnapshot(), restore?.snapshot);
  return { plan: maskPlan(plan), fingerprint: planFingerprint(plan) };
}

/**
 * Plans, records and starts applying an intent; returns at once with the operation's id. With
 * `expect` (a preview's fingerprint) it applies only that plan, else throws PlanChangedError.
 */
export async function startOperation(intent: Intent, actor: string, opts: { expect?: string | null } = {}): Promise<{ operationId: string }> {
  const { operationId, done } = await beginOperation(intent, actor, confirmedPlanner(plannerFor(intent), opts.expect ?? null), defaultDeps());
  done.catch((err: unknown) => logSafely(`[operations] ${operationId} could not be recorded to the end:`, err));
  return { operationId };
}

/**
 * Saves one edited config file as an operation (its content beside the intent, never in it).
 * An edit that changes nothing on disk — the same bytes once masked secrets are put back — starts
 * no operation. Throws PlanError (stale, invalid, not_found) or ConfigFindingsError.
 */
export async function saveConfigFile(
  edit: { path: string; content: string; baseVersion: string },
  actor: string,
  opts: { expect?: string | null } = {},
): Promise<{ operationId: string } | { unchanged: true }> {
  const dir = configDir();
  if (!dir) throw new Error("SYNAPSE_CONFIG_DIR is not set: there is no deployment to change");
  const disk = (await readConfigFile(dir, edit.path))?.data.toString("utf8");
  if (disk !== undefined && fileVersion(disk) === edit.baseVersion && unmaskSecrets(edit.content, disk, edit.path).text === disk) return { unchanged: true };
  const intent: Intent = { kind: "edit_files", files: [{ path: edit.path, baseVersion: edit.baseVersion }] };
  const { operationId, done } = await beginOperation(intent, actor, confirmedPlanner(plannerFor(intent, { [edit.path]: edit.content }), opts.expect ?? null), defaultDeps());
  done.catch((err: unknown) => logSafely(`[operations] ${operationId} could not be recorded to the end:`, err));
  return { operationId };
}

/** What saving one config file would do, secrets masked; nothing is applied. Throws like saveConfigFile. */
export async function previewConfigSave(edit: { path: string; content: string; baseVersion: string }): Promise<PreviewedPlan> {
  const intent: Intent = { kind: "edit_files", files: [{ path: edit.path, baseVersion: edit.baseVersion }] };
  const plan = plannerFor(intent, { [edit.path]: edit.content })(await captureSnapshot(), undefined);
  return { plan: maskPlan(plan), fingerprint: planFingerprint(plan) };
}

/** Like startOperation, but waits for the end (tests, CLI). */
export async function runOperation(intent: Intent, actor: string): Promise<Operation> {
  const { operationId, done } = await beginOperation(intent, actor, plannerFor(intent), defaultDeps());
  await done;
  const op = await readOperation(operationId);
  if (!op) throw new Error(`Operation ${operationId} vanished from the history`);
  return op;
}

/** One operation as the API shows it (plan secrets masked), or null. */
export async function getOperation(id: string): Promise<Operation | null> {
  return readOperation(id);
}

/** Calls fn with the whole operation on every recorded change; returns the unsubscribe function. */
export function subscribeOperation(id: string, fn: (op: Operation) => void): () => void {
  return subscribe(id, fn);
}

/** Operations, newest first; `before` continues after that operation's id. */
export async function listHistory(opts: { limit?: number; before?: string } = {}): Promise<Operation[]> {
  await recoverInterrupted();
  const limit = Math.min(Math.max(Math.trunc(opts.limit ?? 50), 1), 500);
  const rows = await history.listOperationRows({ limit, before: opts.before });
  return rows.map((r) => history.toOperation(r, maskPlan));
}

/** The deployment as it runs now, as a docker-compose file whose secrets are ${VAR} references. */
export async function exportComposeFile(): Promise<string> {
  return exportCompose(await captureSnapshot());
}

/** The values behind exportComposeFile's ${VAR} references, as an env file (an admin's reveal). */
export async function exportComposeSecretsFile(): Promise<string> {
  return exportComposeSecrets(await captureSnapshot());
}
