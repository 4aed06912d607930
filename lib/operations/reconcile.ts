import "server-only";
import { DockerUnavailableError } from "@/lib/docker/client";
import { logSafely } from "@/lib/log";
import { intentSchema, PlanError, type Intent } from "@/lib/synapse/plan-schema";
import * as history from "./history";
import { isStopping } from "./shutdown";

/**
 * What happens to an operation a dead dashboard left half-done (killed, crashed, the host
 * rebooted): by default it is put back — the deployment returns to the snapshot taken before its
 * first step, through a recorded restore operation (the planner compares what runs now with that
 * snapshot, so it undoes exactly the steps that happened, whatever they were). With
 * FLEET_ON_INTERRUPT=keep the operator decides instead: the history offers restoring the snapshot
 * before or after it.
 */

export const RECONCILER = "fleet (putting back an interrupted operation)";

export type InterruptPolicy = "reconcile" | "keep";

export function interruptPolicy(env: Record<string, string | undefined> = process.env): InterruptPolicy {
  return env.FLEET_ON_INTERRUPT === "keep" ? "keep" : "reconcile";
}

/** Starts an operation as the reconciler does; given by the facade, which knows the planner. */
export type StartReconcile = (intent: Intent) => Promise<{ operationId: string; done: Promise<void> }>;

const ENGINE_RETRY_MS = 5_000;
const ENGINE_PATIENCE_MS = 30 * 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The intent that puts back one interrupted operation (an interrupted put-back is run again). */
async function undoIntent(id: string): Promise<Intent | null> {
  const row = await history.findOperationRow(id);
  if (!row) return null;
  if (row.actor === RECONCILER) return intentSchema.parse(JSON.parse(row.intent));
  return { kind: "restore", operationId: id, point: "before" };
}

/** Puts back each interrupted operation, newest first; waits for an engine that is away. */
export async function reconcileInterrupted(ids: string[], start: StartReconcile, policy = interruptPolicy()): Promise<void> {
  const rows = (await Promise.all(ids.map((id) => history.findOperationRow(id)))).filter((r) => r !== null);
  rows.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  for (const row of rows) {
    if (policy === "keep") {
      await history.appendError(row.id, "Left as it was (FLEET_ON_INTERRUPT=keep): restore its snapshot from before or after it.");
      continue;
    }
    const intent = await undoIntent(row.id);
    if (!intent) continue;
    const giveUp = Date.now() + ENGINE_PATIENCE_MS;
    for (;;) {
      try {
        const { operationId, done } = await start(intent);
        await history.appendError(row.id, `Put back automatically by operation ${operationId}.`);
        await done;
        break;
      } catch (err) {
        // A dashboard that is stopping does not wait for the engine: it says so and goes.
        if (err instanceof DockerUnavailableError && Date.now() < giveUp && !isStopping()) {
          await sleep(ENGINE_RETRY_MS);
          continue;
        }
        if (err instanceof PlanError && err.code === "conflict") {
          await history.appendError(row.id, `Nothing to put back: ${err.message}.`);
          break;
        }
        logSafely(`[operations] putting back ${row.id} failed:`, err);
        await history.appendError(row.id, `Putting it back failed (${(err as Error).message}): restore its snapshot from before it.`).catch(() => undefined);
        break;
      }
    }
  }
}
