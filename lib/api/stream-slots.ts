import "server-only";
import type { Principal } from "@/lib/auth";
import { ApiError } from "./errors";

/**
 * Long-lived streams one user (or one API token) may hold at once, per kind, and log pages being
 * read. Each pins engine streams, timers and buffers, so a caller gets a fixed number.
 */
export const STREAM_LIMITS = { logs: 8, events: 8, operation: 8, pages: 4 } as const;
export type StreamPool = keyof typeof STREAM_LIMITS;

const held = new Map<string, number>();

function keyOf(pool: StreamPool, p: Principal): string {
  return `${pool}:${p.userId ? `user:${p.userId}` : `token:${p.name}`}`;
}

/** Takes one slot of `pool` for the caller, or refuses with 429; the returned release is idempotent. */
export function acquireStreamSlot(p: Principal, pool: StreamPool): () => void {
  const key = keyOf(pool, p);
  const n = held.get(key) ?? 0;
  const max = STREAM_LIMITS[pool];
  if (n >= max) {
    throw new ApiError("too_many_requests", `${p.name} already has ${n} ${pool} streams open (at most ${max}); close one first`);
  }
  held.set(key, n + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (held.get(key) ?? 1) - 1;
    if (left <= 0) held.delete(key);
    else held.set(key, left);
  };
}

/** Slots held, per pool and principal: for tests. */
export function heldStreamSlots(): Record<string, number> {
  return Object.fromEntries(held);
}
