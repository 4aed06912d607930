import "server-only";
import { getDb, Prisma } from "@/lib/db";
import { throttleAddress } from "./address";

// Three counters, each a LoginThrottle row {key, failures, windowStart, lockedUntil}:
// - a (name, address) pair locks after PAIR_MAX_FAILURES: stops guessing from one place;
// - a name is only slowed down, never locked: an attacker elsewhere can make the real user
//   wait seconds, not minutes, and still cannot guess faster than one try per few seconds;
// - an address locks after ADDRESS_MAX_FAILURES across all names, unknown ones included.
//   Unknown names get no row of their own, so made-up names cannot grow the table.
export const WINDOW_MS = 15 * 60_000;
export const PAIR_MAX_FAILURES = 5;
export const PAIR_LOCK_MS = 15 * 60_000;
export const ADDRESS_MAX_FAILURES = 30;
export const ADDRESS_LOCK_MS = 15 * 60_000;
export const NAME_SLOWDOWN_AFTER = 10;
export const NAME_SPACING_BASE_MS = 1_000;
export const NAME_SPACING_MAX_MS = 5_000;
// Pruning scans the table; once a minute is plenty for rows that live 15 minutes.
const PRUNE_INTERVAL_MS = 60_000;

/** How long a key stays refused after its `failures`-th failure in the window (0: not refused). */
type Penalty = (failures: number) => number;
const pairPenalty: Penalty = (n) => (n >= PAIR_MAX_FAILURES ? PAIR_LOCK_MS : 0);
const addressPenalty: Penalty = (n) => (n >= ADDRESS_MAX_FAILURES ? ADDRESS_LOCK_MS : 0);
// 1 s, 2 s, 4 s, then 5 s between attempts for as long as the failures keep coming.
const namePenalty: Penalty = (n) =>
  n >= NAME_SLOWDOWN_AFTER ? Math.min(NAME_SPACING_MAX_MS, NAME_SPACING_BASE_MS * 2 ** (n - NAME_SLOWDOWN_AFTER)) : 0;

export interface ThrottleKey {
  kind: "pair" | "name" | "address";
  key: string;
  penalty: Penalty;
}

/**
 * The counters one sign-in attempt touches. `knownName` is false for names with no user:
 * those count only against the address (a null address shares one bucket).
 */
export function throttleKeys(name: string, ip: string | null, knownName: boolean): ThrottleKey[] {
  const address = throttleAddress(ip);
  const keys: ThrottleKey[] = [{ kind: "address", key: `ip:${address}`, penalty: addressPenalty }];
  if (knownName) {
    keys.unshift(
      { kind: "pair", key: `pair:${name}|${address}`, penalty: pairPenalty },
      { kind: "name", key: `name:${name}`, penalty: namePenalty },
    );
  }
  return keys;
}

/** Milliseconds until every one of `keys` lets an attempt through, or 0 when none holds it back. */
export async function lockedFor(keys: ThrottleKey[], now = new Date()): Promise<number> {
  const db = await getDb();
  const rows = await db.loginThrottle.findMany({ where: { key: { in: keys.map((k) => k.key) }, lockedUntil: { gt: now } } });
  return rows.reduce((max, r) => Math.max(max, r.lockedUntil!.getTime() - now.getTime()), 0);
}

/** Counts one failed attempt against each key, refusing the key for a while once its penalty starts. */
export async function recordFailure(keys: ThrottleKey[], now = new Date()): Promise<void> {
  const db = await getDb();
  const windowFloor = new Date(now.getTime() - WINDOW_MS);
  for (const { key, penalty } of keys) {
    // Start a fresh window when the old one has passed (and no lock is running).
    await db.loginThrottle.updateMany({
      where: { key, windowStart: { lt: windowFloor }, OR: [{ lockedUntil: null }, { lockedUntil: { lte: now } }] },
      data: { failures: 0, windowStart: now, lockedUntil: null },
    });
    const row = await increment(key, now);
    const wait = penalty(row.failures);
    const until = new Date(now.getTime() + wait);
    if (wait > 0 && !(row.lockedUntil && row.lockedUntil >= until)) {
      await db.loginThrottle.update({ where: { key }, data: { lockedUntil: until } });
    }
  }
  await pruneThrottle(now);
}

// The increment is a single UPDATE, so concurrent failures are all counted; two first
// failures racing to create the row end with one insert and one retried update.
async function increment(key: string, now: Date) {
  const db = await getDb();
  const upsert = () =>
    db.loginThrottle.upsert({ where: { key }, create: { key, failures: 1, windowStart: now }, update: { failures: { increment: 1 } } });
  try {
    return await upsert();
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") return upsert();
    throw err;
  }
}

/** Forgets the failures of keys (a success clears its own pair, never the name or the address). */
export async function clearFailures(keys: ThrottleKey[]): Promise<void> {
  const db = await getDb();
  await db.loginThrottle.deleteMany({ where: { key: { in: keys.map((k) => k.key) } } });
}

let lastPrune = 0;

/**
 * Deletes rows whose window and lock have both passed; they no longer hold anything back.
 * Runs at most once a minute unless `force`d. Returns how many rows went.
 */
export async function pruneThrottle(now = new Date(), force = false): Promise<number> {
  if (!force && Math.abs(now.getTime() - lastPrune) < PRUNE_INTERVAL_MS) return 0;
  lastPrune = now.getTime();
  const db = await getDb();
  const windowFloor = new Date(now.getTime() - WINDOW_MS);
  const { count } = await db.loginThrottle.deleteMany({
    where: { windowStart: { lt: windowFloor }, OR: [{ lockedUntil: null }, { lockedUntil: { lte: now } }] },
  });
  return count;
}
