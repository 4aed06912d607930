import "server-only";
import { getDb } from "@/lib/db";
import { auditEntrySchema, type AuditEntry } from "@/lib/contract/admin";

// The audit log: every mutation and secret reveal over HTTP (written by lib/api/handler.ts) and
// every change made with the CLI (scripts/fleet.ts). Bounded, so a busy or hostile caller cannot
// grow the database without end.

/** What one audited action records (the id and time are added when it is stored). */
export type AuditRecord = Omit<AuditEntry, "id" | "at">;

export const DEFAULT_AUDIT_LIMIT = 10_000;
/** Pruning scans past the newest N rows; once every this many inserts is cheap enough. */
export const PRUNE_EVERY = 100;

// Longest stored value per field; longer values are cut and end in "…".
const MAX = { actor: 100, action: 200, target: 200, detail: 500, ip: 64 } as const;

const ACTOR_KINDS = auditEntrySchema.shape.actorKind.options;
type ActorKind = (typeof ACTOR_KINDS)[number];

// Per process: a CLI run prunes on its first insert, a long-running server every PRUNE_EVERY.
let inserts = 0;

/** The retention limit: FLEET_AUDIT_LIMIT (a positive integer), else 10,000. */
export function auditLimit(env: Record<string, string | undefined> = process.env): number {
  const raw = env.FLEET_AUDIT_LIMIT?.trim();
  if (!raw) return DEFAULT_AUDIT_LIMIT;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) {
    throw new Error(`FLEET_AUDIT_LIMIT must be a positive integer, not "${raw}"`);
  }
  return Number(raw);
}

/** Cuts a value to `max` characters (whole code points), marking the cut with "…". */
export function truncate(value: string, max: number): string {
  const chars = Array.from(value);
  return chars.length <= max ? value : chars.slice(0, max - 1).join("") + "…";
}

function cut(value: string | null | undefined, max: number): string | null {
  return value == null ? null : truncate(value, max);
}

/**
 * Records one audited action. Masks nothing (callers never pass a secret) but bounds every
 * field, and keeps the log to the newest FLEET_AUDIT_LIMIT entries.
 */
export async function recordAudit(entry: AuditRecord): Promise<void> {
  const limit = auditLimit();
  if (!(ACTOR_KINDS as readonly string[]).includes(entry.actorKind)) throw new Error(`Unknown audit actor kind "${entry.actorKind}"`);
  if (!Number.isInteger(entry.status)) throw new Error(`Audit status must be an integer, not ${entry.status}`);
  const db = await getDb();
  await db.auditEvent.create({
    data: {
      actor: truncate(entry.actor || "unknown", MAX.actor),
      actorKind: entry.actorKind,
      action: truncate(entry.action, MAX.action),
      target: cut(entry.target, MAX.target),
      detail: cut(entry.detail, MAX.detail),
      status: entry.status,
      ip: cut(entry.ip, MAX.ip),
    },
  });
  if (inserts++ % PRUNE_EVERY === 0) await pruneAudit(limit);
}

/** Deletes all but the newest `keep` entries; answers how many went. */
export async function pruneAudit(keep: number): Promise<number> {
  const db = await getDb();
  // The newest entry past the limit: it and everything older go.
  const cutoff = await db.auditEvent.findFirst({ orderBy: [{ at: "desc" }, { id: "desc" }], skip: keep, select: { at: true, id: true } });
  if (!cutoff) return 0;
  const { count } = await db.auditEvent.deleteMany({
    where: { OR: [{ at: { lt: cutoff.at } }, { at: cutoff.at, id: { lte: cutoff.id } }] },
  });
  return count;
}

/** Audit entries, newest first; `before` is an entry id to page from (unknown: none). */
export async function listAudit(opts: { limit: number; before?: string }): Promise<AuditEntry[]> {
  const db = await getDb();
  let cursor: { at: Date; id: string } | null = null;
  if (opts.before) {
    cursor = await db.auditEvent.findUnique({ where: { id: opts.before }, select: { at: true, id: true } });
    if (!cursor) return [];
  }
  const rows = await db.auditEvent.findMany({
    where: cursor ? { OR: [{ at: { lt: cursor.at } }, { at: cursor.at, id: { lt: cursor.id } }] } : undefined,
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: opts.limit,
  });
  return rows.map((r) => {
    if (!(ACTOR_KINDS as readonly string[]).includes(r.actorKind)) throw new Error(`Audit entry ${r.id} has an unknown actor kind "${r.actorKind}"`);
    return { ...r, actorKind: r.actorKind as ActorKind, at: r.at.toISOString() };
  });
}
