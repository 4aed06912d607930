import "server-only";
import { getDb, type OperationRow, type OperationStepRow } from "@/lib/db";
import type { DeploymentSnapshot, Intent, Operation, OperationStatus, Plan } from "@/lib/synapse/plan-schema";
import { maskPlan, maskValue } from "@/lib/synapse/secrets";
import type { StepRecord } from "./state";

/**
 * The operation history in the database. Every change is written as it happens, so a crash
 * loses nothing already recorded. Snapshots and plans are stored unmasked (a restore needs the
 * real values) and never leave this module except through `toOperation`, which masks everything
 * it returns, and the restore lookups, which hand snapshots to the planner only.
 */

export const INTERRUPTED_MESSAGE =
  "The dashboard stopped while this operation was applying, so the deployment may be half-changed. " +
  "Restore its pre-operation snapshot (restore, point: before) to put it back.";

type RowWithSteps = OperationRow & { steps: OperationStepRow[] };

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const maskNullable = (text: string | null) => (text === null ? null : maskValue(text));

/**
 * The API shape of a stored operation, masked: the plan by `mask` (maskPlan unless a caller
 * knows better), and the error, the failing process's last log lines and every step's reason
 * and message by value shape — an engine or Synapse error can quote a URL with its password.
 */
export function toOperation(row: RowWithSteps, mask: (plan: Plan) => Plan = maskPlan): Operation {
  return {
    id: row.id,
    intent: JSON.parse(row.intent) as Intent,
    actor: row.actor,
    status: row.status as OperationStatus,
    summary: maskValue(row.summary),
    plan: mask(JSON.parse(row.plan) as Plan),
    steps: [...row.steps]
      .sort((a, b) => a.index - b.index)
      .map((s) => ({
        index: s.index, kind: s.kind, target: s.target, reason: maskValue(s.reason), status: s.status as StepRecord["status"],
        startedAt: iso(s.startedAt), finishedAt: iso(s.finishedAt), message: maskNullable(s.message),
      })),
    error: maskNullable(row.error),
    failureLogs: row.failureLogs ? (JSON.parse(row.failureLogs) as string[]).map(maskValue) : null,
    createdAt: row.createdAt.toISOString(),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
    restoreOf: row.restoreOf,
  };
}

/** Records an operation that starts applying now, with its steps pending. */
export async function recordApplying(input: {
  intent: Intent;
  actor: string;
  plan: Plan;
  snapshotBefore: DeploymentSnapshot;
  restoreOf: string | null;
  steps: StepRecord[];
}): Promise<string> {
  const db = await getDb();
  const row = await db.operation.create({
    data: {
      kind: input.intent.kind,
      intent: JSON.stringify(input.intent),
      actor: input.actor,
      status: "applying",
      summary: input.plan.summary,
      plan: JSON.stringify(input.plan),
      snapshotBefore: JSON.stringify(input.snapshotBefore),
      restoreOf: input.restoreOf,
      startedAt: new Date(),
      steps: { create: input.steps.map((s) => stepData(s)) },
    },
  });
  return row.id;
}

function stepData(s: StepRecord) {
  return {
    index: s.index, kind: s.kind, target: s.target, reason: s.reason, status: s.status,
    startedAt: s.startedAt ? new Date(s.startedAt) : null, finishedAt: s.finishedAt ? new Date(s.finishedAt) : null, message: s.message,
  };
}

/** Writes one step's current state (plan steps exist already; undo steps are added on first write). */
export async function saveStep(operationId: string, s: StepRecord): Promise<void> {
  const db = await getDb();
  const data = stepData(s);
  await db.operationStep.upsert({
    where: { operationId_index: { operationId, index: s.index } },
    create: { operationId, ...data },
    update: data,
  });
}

export async function recordFinished(
  id: string,
  outcome: { status: "succeeded" | "failed" | "interrupted"; error: string | null; failureLogs: string[] | null; snapshotAfter: DeploymentSnapshot | null },
): Promise<void> {
  const db = await getDb();
  await db.operation.update({
    where: { id },
    data: {
      status: outcome.status,
      error: outcome.error,
      failureLogs: outcome.failureLogs ? JSON.stringify(outcome.failureLogs) : null,
      snapshotAfter: outcome.snapshotAfter ? JSON.stringify(outcome.snapshotAfter) : null,
      finishedAt: new Date(),
    },
  });
}

export async function findOperationRow(id: string): Promise<RowWithSteps | null> {
  const db = await getDb();
  return db.operation.findUnique({ where: { id }, include: { steps: true } });
}

/** Newest first; `before` is an operation id to page from. */
export async function listOperationRows(opts: { limit: number; before?: string }): Promise<RowWithSteps[]> {
  const db = await getDb();
  let cursorDate: Date | null = null;
  if (opts.before) {
    const cursor = await db.operation.findUnique({ where: { id: opts.before }, select: { createdAt: true } });
    if (!cursor) return [];
    cursorDate = cursor.createdAt;
  }
  return db.operation.findMany({
    where: cursorDate
      ? { OR: [{ createdAt: { lt: cursorDate } }, { createdAt: cursorDate, id: { lt: opts.before } }] }
      : undefined,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: opts.limit,
    include: { steps: true },
  });
}

/**
 * Marks operations left `applying` by a previous run of the dashboard as `interrupted`,
 * except those this process is applying itself. Returns the ids it marked.
 */
export async function markInterrupted(runningHere: ReadonlySet<string>): Promise<string[]> {
  const db = await getDb();
  const stale = (await db.operation.findMany({ where: { status: "applying" }, select: { id: true } })).map((r) => r.id).filter((id) => !runningHere.has(id));
  if (stale.length === 0) return [];
  const now = new Date();
  await db.$transaction([
    db.operationStep.updateMany({ where: { operationId: { in: stale }, status: "running" }, data: { status: "failed", finishedAt: now, message: "interrupted" } }),
    db.operationStep.updateMany({ where: { operationId: { in: stale }, status: "pending" }, data: { status: "skipped" } }),
    db.operation.updateMany({ where: { id: { in: stale }, status: "applying" }, data: { status: "interrupted", error: INTERRUPTED_MESSAGE, finishedAt: now } }),
  ]);
  return stale;
}

/** Adds a sentence to an operation's error (an interrupted one: what became of it). */
export async function appendError(id: string, sentence: string): Promise<void> {
  const db = await getDb();
  const row = await db.operation.findUnique({ where: { id }, select: { error: true } });
  if (!row) return;
  await db.operation.update({ where: { id }, data: { error: row.error ? `${row.error} ${sentence}` : sentence } });
}

/** Keeps the newest `limit` operations (never deleting one that is applying). */
export async function pruneHistory(limit: number): Promise<number> {
  const db = await getDb();
  const old = await db.operation.findMany({
    where: { status: { not: "applying" } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    skip: limit,
    select: { id: true },
  });
  if (old.length === 0) return 0;
  const ids = old.map((r) => r.id);
  await db.$transaction([db.operationStep.deleteMany({ where: { operationId: { in: ids } } }), db.operation.deleteMany({ where: { id: { in: ids } } })]);
  return ids.length;
}

/** The snapshot from before or after an operation, for a restore. */
export async function findSnapshot(id: string, point: "before" | "after"): Promise<{ operationId: string; snapshot: DeploymentSnapshot | null } | null> {
  const db = await getDb();
  const row = await db.operation.findUnique({ where: { id }, select: { id: true, snapshotBefore: true, snapshotAfter: true } });
  if (!row) return null;
  const text = point === "before" ? row.snapshotBefore : row.snapshotAfter;
  return { operationId: row.id, snapshot: text ? (JSON.parse(text) as DeploymentSnapshot) : null };
}

/** The newest succeeded operation of a kind (restore_workers looks for the last rollback). */
export async function findLatestSucceeded(kind: Intent["kind"]): Promise<{ id: string; snapshotBefore: DeploymentSnapshot | null } | null> {
  const db = await getDb();
  const row = await db.operation.findFirst({
    where: { kind, status: "succeeded" },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { id: true, snapshotBefore: true },
  });
  return row ? { id: row.id, snapshotBefore: row.snapshotBefore ? (JSON.parse(row.snapshotBefore) as DeploymentSnapshot) : null } : null;
}

/** The config files of the newest operations' snapshots, before and after (unmasked: the caller masks). */
export async function listSnapshotFiles(limit: number): Promise<Array<{ id: string; summary: string; createdAt: Date; before: Record<string, string> | null; after: Record<string, string> | null }>> {
  const db = await getDb();
  const rows = await db.operation.findMany({
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
    select: { id: true, summary: true, createdAt: true, snapshotBefore: true, snapshotAfter: true },
  });
  const files = (json: string | null) => (json ? ((JSON.parse(json) as DeploymentSnapshot).files ?? null) : null);
  return rows.map((r) => ({ id: r.id, summary: r.summary, createdAt: r.createdAt, before: files(r.snapshotBefore), after: files(r.snapshotAfter) }));
}
