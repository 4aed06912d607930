import "server-only";
import { watchCredential, type Principal } from "@/lib/auth";
import { FleetError } from "@/lib/errors";
import { MAX_STREAMS_PER_PRINCIPAL } from "@/lib/logs/limits";
import { sseResponse, type SseChannel } from "./sse";

/**
 * Long-lived streams one user (or one API token) may hold at once, per kind, and log pages being
 * read. Each pins engine streams, timers and buffers, so a caller gets a fixed number.
 */
export const STREAM_LIMITS = { logs: MAX_STREAMS_PER_PRINCIPAL, events: 8, operation: 8, pages: 4 } as const;
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
    throw new FleetError("too_many_requests", `${p.name} already has ${n} ${pool} streams open (at most ${max}); close one first`);
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

/** A stream a library hands the edge: started on a channel, it returns its cleanup. */
export type StreamSource = (channel: SseChannel) => () => void;

/** Runs `fn` holding one of the caller's `pool` slots (a log page being read), given back when it settles. */
export async function holdingSlot<T>(principal: Principal, pool: StreamPool, fn: () => Promise<T>): Promise<T> {
  const release = acquireStreamSlot(principal, pool);
  try {
    return await fn();
  } finally {
    release();
  }
}

/**
 * An SSE response that holds one of the caller's `pool` slots until the stream ends. `open` runs
 * holding it and may refuse (unknown workers, no such operation): then the slot is given back.
 * The stream ends, with a last `revoked` event saying why, as soon as the credential it was opened
 * with stops standing (lib/auth/revocation.ts): its reconnect is then refused with 401.
 */
export async function sseHoldingSlot(req: Request, principal: Principal, pool: StreamPool, open: () => Promise<StreamSource> | StreamSource): Promise<Response> {
  const release = acquireStreamSlot(principal, pool);
  let source: StreamSource;
  try {
    source = await open();
  } catch (err) {
    release();
    throw err;
  }
  return sseResponse(req, (channel) => {
    const stop = source(channel);
    const unwatch = watchCredential(principal, (reason) => {
      channel.send("revoked", { reason });
      channel.close();
    });
    return () => {
      unwatch();
      stop();
      release();
    };
  });
}

/** Slots held, per pool and principal: for tests. */
export function heldStreamSlots(): Record<string, number> {
  return Object.fromEntries(held);
}
