import "server-only";
import { onCredentialsChanged } from "./credential-events";

/**
 * How long a credential the database confirmed is believed without asking again. It is the bound
 * open streams already have for a change made by another process (RECHECK_MS in revocation.ts):
 * the CLI revoking a token, or a second dashboard on the same PostgreSQL disabling a user. A change
 * made in this process empties the cache at once (credentialsChanged).
 */
export const VERIFIED_FOR_MS = 500;
const MAX_ENTRIES = 1_000;

interface Entry<T> {
  value: T;
  /** Date.now() when the database confirmed it. */
  at: number;
  /** Believed until then: at + VERIFIED_FOR_MS, or sooner (a session that expires sooner). */
  until: number;
}

/**
 * Credentials the database confirmed a moment ago, by a key derived from what was presented (its
 * hash), so a burst of requests (a page's first load, a script's loop) costs one lookup. Only
 * confirmed credentials are kept, so nobody fills it without holding one; it holds at most
 * `max` of them.
 */
export class VerifiedCredentials<T> {
  private readonly entries = new Map<string, Entry<T>>();
  // Bumped by every forget(): a lookup that began before it must not store what it read.
  private generation = 0;

  constructor(private readonly opts: { ttlMs: number; max: number; now?: () => number }) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /**
   * The value for `key`: remembered if confirmed within the TTL, else `lookup()`'s, kept when it
   * confirms one (non-null). `expiresAt` (ms) shortens how long a value is believed.
   */
  async get(key: string, lookup: () => Promise<{ value: T; expiresAt?: number } | null>): Promise<T | null> {
    const now = this.now();
    const hit = this.entries.get(key);
    // A clock set back (a test's fake time, an NTP step) ends the entry too.
    if (hit && now >= hit.at && now < hit.until) return hit.value;
    if (hit) this.entries.delete(key);
    const generation = this.generation;
    const found = await lookup();
    if (!found || generation !== this.generation) return found?.value ?? null;
    const until = Math.min(now + this.opts.ttlMs, found.expiresAt ?? Infinity);
    if (until > now) this.store(key, { value: found.value, at: now, until });
    return found.value;
  }

  /** Forgets everything, including what lookups under way will read. */
  forget(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private store(key: string, entry: Entry<T>): void {
    if (this.entries.size >= this.opts.max) {
      for (const [k, e] of this.entries) if (entry.at >= e.until || entry.at < e.at) this.entries.delete(k);
      // Still full of live ones: the oldest go first (a Map iterates in insertion order).
      for (const k of this.entries.keys()) {
        if (this.entries.size < this.opts.max) break;
        this.entries.delete(k);
      }
    }
    this.entries.set(key, entry);
  }
}

/** The process's cache of confirmed credentials, emptied by every credential change made here. */
export function verifiedCredentials<T>(): VerifiedCredentials<T> {
  const cache = new VerifiedCredentials<T>({ ttlMs: VERIFIED_FOR_MS, max: MAX_ENTRIES });
  onCredentialsChanged(() => cache.forget());
  return cache;
}
