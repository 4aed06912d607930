import "server-only";
import { getDb } from "@/lib/db";

export const MAX_FAILURES = 5;
export const WINDOW_MS = 15 * 60_000;
export const LOCKOUT_MS = 15 * 60_000;

/** Throttle keys for one login attempt: per username and per client address. */
export function throttleKeys(username: string, ip: string | null): string[] {
  const keys = [`user:${username.trim().toLowerCase()}`];
  if (ip) keys.push(`ip:${ip}`);
  return keys;
}

/** Milliseconds until the first of `keys` unlocks, or 0 when none is locked. */
export async function lockedFor(keys: string[], now = new Date()): Promise<number> {
  const db = await getDb();
  const rows = await db.loginThrottle.findMany({ where: { key: { in: keys }, lockedUntil: { gt: now } } });
  return rows.reduce((max, r) => Math.max(max, r.lockedUntil!.getTime() - now.getTime()), 0);
}

/** Counts a failed attempt against each key; the MAX_FAILURES-th within WINDOW_MS locks the key. */
export async function recordFailure(keys: string[], now = new Date()): Promise<void> {
  const db = await getDb();
  const windowFloor = new Date(now.getTime() - WINDOW_MS);
  for (const key of keys) {
    // Start a fresh window when the old one has passed (and no lock is running).
    await db.loginThrottle.updateMany({
      where: { key, windowStart: { lt: windowFloor }, OR: [{ lockedUntil: null }, { lockedUntil: { lte: now } }] },
      data: { failures: 0, windowStart: now, lockedUntil: null },
    });
    // The increment is a single UPDATE, so concurrent failures are all counted.
    const row = await db.loginThrottle.upsert({
      where: { key },
      create: { key, failures: 1, windowStart: now },
      update: { failures: { increment: 1 } },
    });
    if (row.failures >= MAX_FAILURES && !(row.lockedUntil && row.lockedUntil > now)) {
      await db.loginThrottle.update({ where: { key }, data: { lockedUntil: new Date(now.getTime() + LOCKOUT_MS) } });
    }
  }
}

/** Forgets failures for keys after a successful login. */
export async function clearFailures(keys: string[]): Promise<void> {
  const db = await getDb();
  await db.loginThrottle.deleteMany({ where: { key: { in: keys } } });
}
