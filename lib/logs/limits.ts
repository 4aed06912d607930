import "server-only";
import { ApiError } from "@/lib/api/errors";
import type { Principal } from "@/lib/auth";

/** Concurrent follow streams one user (or one API token) may hold. */
export const MAX_STREAMS_PER_PRINCIPAL = 8;

const held = new Map<string, number>();

function keyOf(p: Principal): string {
  return p.userId ? `user:${p.userId}` : `token:${p.name}`;
}

/** Takes one stream slot for the caller, or refuses with 429; the returned release is idempotent. */
export function acquireStreamSlot(p: Principal): () => void {
  const key = keyOf(p);
  const n = held.get(key) ?? 0;
  if (n >= MAX_STREAMS_PER_PRINCIPAL) {
    throw new ApiError("too_many_requests", `${p.name} already has ${n} log streams open (at most ${MAX_STREAMS_PER_PRINCIPAL}); close one first`);
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

/** Slots held, per principal key: for tests. */
export function heldStreamSlots(): Record<string, number> {
  return Object.fromEntries(held);
}
