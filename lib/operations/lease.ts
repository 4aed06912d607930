import "server-only";
import { randomBytes } from "node:crypto";
import os from "node:os";
import { getDb } from "@/lib/db";

/**
 * One operation at a time per deployment, across every dashboard process that shares the database.
 * The in-process lock (service.ts) answers at once; this lease makes it hold between processes:
 * taking it is one conditional UPDATE (or the INSERT of the row, whose primary key lets only one
 * process win), so two dashboards cannot both take it. It lapses unless renewed — a dashboard that
 * died frees the deployment after TTL — and each taking increments a fencing token, so a holder
 * whose lease lapsed and was taken over learns it on its next renewal and stops before its next step.
 */

export const LEASE_TTL_MS = 30_000;

export interface Lease {
  deployment: string;
  holder: string;
  token: number;
}

const holder = globalThis as typeof globalThis & { __fleetLeaseHolder?: string };
/** This process, as lease holders are named: readable in the database, unique per start. */
export function processHolder(): string {
  return (holder.__fleetLeaseHolder ??= `${os.hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`);
}

/**
 * A holder that is a process of this host which no longer exists: its lease is dead now, not
 * only once it lapses (a dashboard killed and started again on the same host recovers at once).
 */
export function isDeadLocalHolder(h: string, me = processHolder()): boolean {
  if (h === "" || h === me) return false;
  const parts = h.split(":");
  if (parts.length < 3) return false;
  const pid = Number(parts[parts.length - 2]);
  if (parts.slice(0, -2).join(":") !== os.hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    // That pid runs, but is it still the holder? A pid is reused; same pid as ours with another tag is not us.
    return pid === process.pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string })?.code === "P2002";
}

/** SQLite's answer to a writer that meets another process's write lock ("database is locked"). */
function isBusy(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } } | null;
  return /SQLITE_BUSY|database is locked/i.test([e?.code, e?.message, e?.cause?.code, e?.cause?.message].map(String).join(" "));
}

type Taken = { lease: Lease } | { heldBy: { holder: string; operationId: string | null } };

/**
 * Takes the deployment's lease for an operation, or answers who holds it. Two dashboards on one
 * SQLite file that ask at the same instant can meet each other's write lock: the one that waited
 * asks again (a few times, briefly), and then finds the other's lease like any later caller.
 */
export async function acquireLease(deployment: string, operationId: string | null, ttlMs = LEASE_TTL_MS, me = processHolder()): Promise<Taken> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await acquireLeaseOnce(deployment, operationId, ttlMs, me);
    } catch (err) {
      if (!isBusy(err) || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 25 * attempt));
    }
  }
}

async function acquireLeaseOnce(deployment: string, operationId: string | null, ttlMs: number, me: string): Promise<Taken> {
  const db = await getDb();
  const now = new Date();
  const expiresAt = new Date(now.getTime() + ttlMs);
  let taken = await db.operationLease.updateMany({
    where: { deployment, expiresAt: { lt: now } },
    data: { holder: me, operationId, expiresAt, token: { increment: 1 } },
  });
  if (taken.count === 0) {
    // Held, but perhaps by a process of this host that died: take it over, fenced by its token.
    const row = await db.operationLease.findUnique({ where: { deployment } });
    if (row && isDeadLocalHolder(row.holder, me)) {
      taken = await db.operationLease.updateMany({
        where: { deployment, holder: row.holder, token: row.token },
        data: { holder: me, operationId, expiresAt, token: { increment: 1 } },
      });
    }
  }
  if (taken.count === 0) {
    try {
      await db.operationLease.create({ data: { deployment, holder: me, operationId, expiresAt, token: 1 } });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const row = await db.operationLease.findUnique({ where: { deployment } });
      return { heldBy: { holder: row?.holder ?? "another dashboard", operationId: row?.operationId ?? null } };
    }
  }
  const row = await db.operationLease.findUnique({ where: { deployment } });
  if (!row || row.holder !== me) return { heldBy: { holder: row?.holder ?? "another dashboard", operationId: row?.operationId ?? null } };
  return { lease: { deployment, holder: me, token: row.token } };
}

/** Names the operation a lease is held for (taken before the operation had an id). */
export async function attachOperation(lease: Lease, operationId: string): Promise<void> {
  const db = await getDb();
  await db.operationLease.updateMany({ where: { deployment: lease.deployment, holder: lease.holder, token: lease.token }, data: { operationId } });
}

/** Extends the lease; false when it is no longer ours (it lapsed and another process took it). */
export async function renewLease(lease: Lease, ttlMs = LEASE_TTL_MS): Promise<boolean> {
  const db = await getDb();
  const r = await db.operationLease.updateMany({
    where: { deployment: lease.deployment, holder: lease.holder, token: lease.token },
    data: { expiresAt: new Date(Date.now() + ttlMs) },
  });
  return r.count === 1;
}

/** Gives the lease back at once (the token stays: the next taking counts on from it). */
export async function releaseLease(lease: Lease): Promise<void> {
  const db = await getDb();
  await db.operationLease.updateMany({
    where: { deployment: lease.deployment, holder: lease.holder, token: lease.token },
    data: { holder: "", operationId: null, expiresAt: new Date(0) },
  });
}

/** Operations some live lease is held for, in any process: they are applying, not interrupted. */
export async function liveLeaseOperations(): Promise<Set<string>> {
  return new Set((await liveLeases()).flatMap((r) => (r.operationId ? [r.operationId] : [])));
}

/** Leases held now by processes that may be alive (unexpired, and not a dead process of this host). */
export async function liveLeases(): Promise<Array<{ operationId: string | null; expiresAt: Date }>> {
  const db = await getDb();
  const rows = await db.operationLease.findMany({ where: { expiresAt: { gt: new Date() } }, select: { holder: true, operationId: true, expiresAt: true } });
  return rows.filter((r) => !isDeadLocalHolder(r.holder)).map(({ operationId, expiresAt }) => ({ operationId, expiresAt }));
}
