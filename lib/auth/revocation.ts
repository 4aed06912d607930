import "server-only";
import { getDb } from "@/lib/db";
import { logSafely } from "@/lib/log";
import { credentialsChanged, onCredentialsChanged } from "./credential-events";
import type { Principal } from "./request";
import { SESSION_MAX_AGE_MS } from "./sessions";

/**
 * A request is authorised once, when it arrives; a stream it opens may then live for hours. This
 * module tells an open stream when the credential it was opened with no longer stands: the token
 * was revoked, the session ended (sign-out, password reset, expiry), the user was disabled, or
 * the role changed. The change may come from another process (the CLI writes the database
 * directly), so watched credentials are re-read every RECHECK_MS; a change made in this process
 * also asks for a re-check at once.
 *
 * Cost: while any stream is open, one indexed query for the watched tokens and one for the watched
 * sessions per tick, however many streams share them; nothing while none is open.
 */
export const RECHECK_MS = 500;

export type Credential = { kind: "token"; id: string } | { kind: "session"; id: string };

// Beside the principal rather than in it: the principal's shape is what routes and tests see,
// and the token's row id is needed only here.
const credentials = new WeakMap<Principal, Credential>();

/** Notes which database row a principal was authenticated by (authenticateRequest calls it). */
export function rememberCredential(principal: Principal, credential: Credential): Principal {
  credentials.set(principal, credential);
  return principal;
}

interface Watch {
  credential: Credential;
  role: Principal["role"];
  onRevoked: (reason: string) => void;
}

const watches = new Set<Watch>();
let timer: ReturnType<typeof setInterval> | null = null;
let running: Promise<void> | null = null;
let again = false;

/**
 * Calls `onRevoked` (once) when the credential `principal` was authenticated by stops standing.
 * A principal that came from no request (a test's literal) has nothing to watch. Returns the
 * unwatch, idempotent.
 */
export function watchCredential(principal: Principal, onRevoked: (reason: string) => void): () => void {
  const credential = credentials.get(principal);
  if (!credential) return () => {};
  const watch: Watch = { credential, role: principal.role, onRevoked };
  watches.add(watch);
  if (!timer) {
    timer = setInterval(() => void recheckCredentials(), RECHECK_MS);
    timer.unref?.();
  }
  return () => unwatch(watch);
}

function unwatch(watch: Watch): void {
  watches.delete(watch);
  if (watches.size === 0 && timer) {
    clearInterval(timer);
    timer = null;
  }
}

// A change made in this process is checked now, not at the next tick.
onCredentialsChanged(() => {
  if (watches.size > 0) void recheckCredentials();
});

/** Streams watched right now (for tests and load reports). */
export function watchedCredentials(): number {
  return watches.size;
}

/**
 * Re-reads every watched credential and ends the watches whose credential no longer stands.
 * One check at a time; a call during a check runs one more after it, so a change made while a
 * check was reading is not missed.
 */
export function recheckCredentials(): Promise<void> {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    do {
      again = false;
      try {
        await checkOnce();
      } catch (err) {
        // The database away: nobody can revoke anything either, so the streams stay as they are.
        logSafely("[auth] could not re-check the credentials of open streams:", err);
      }
    } while (again && watches.size > 0);
  })().finally(() => {
    running = null;
  });
  return running;
}

async function checkOnce(now = new Date()): Promise<void> {
  const current = [...watches];
  if (current.length === 0) return;
  const ids = (kind: Credential["kind"]) => [...new Set(current.filter((w) => w.credential.kind === kind).map((w) => w.credential.id))];
  const tokenIds = ids("token");
  const sessionIds = ids("session");
  const db = await getDb();
  const [tokens, sessions] = await Promise.all([
    tokenIds.length ? db.apiToken.findMany({ where: { id: { in: tokenIds } }, select: { id: true, role: true, revokedAt: true } }) : [],
    sessionIds.length
      ? db.session.findMany({ where: { id: { in: sessionIds } }, select: { id: true, createdAt: true, expiresAt: true, user: { select: { role: true, disabled: true } } } })
      : [],
  ]);
  const tokenById = new Map(tokens.map((t) => [t.id, t]));
  const sessionById = new Map(sessions.map((s) => [s.id, s]));
  let ended = 0;
  for (const watch of current) {
    const reason = watch.credential.kind === "token" ? tokenProblem(tokenById.get(watch.credential.id), watch.role) : sessionProblem(sessionById.get(watch.credential.id), watch.role, now);
    if (reason === null || !watches.has(watch)) continue;
    ended++;
    unwatch(watch);
    try {
      watch.onRevoked(reason);
    } catch (err) {
      logSafely("[auth] closing a revoked stream failed:", err);
    }
  }
  // Seen here first when another process made the change: requests stop being believed on the
  // strength of a confirmation cached before it (lib/auth/verified.ts).
  if (ended > 0) credentialsChanged();
}

function tokenProblem(row: { role: string; revokedAt: Date | null } | undefined, role: string): string | null {
  if (!row) return "the API token was deleted";
  if (row.revokedAt) return "the API token was revoked";
  return row.role === role ? null : "the API token's role changed";
}

function sessionProblem(row: { createdAt: Date; expiresAt: Date; user: { role: string; disabled: boolean } } | undefined, role: string, now: Date): string | null {
  if (!row) return "the session ended";
  if (row.expiresAt <= now || now.getTime() - row.createdAt.getTime() >= SESSION_MAX_AGE_MS) return "the session expired";
  if (row.user.disabled) return "the user was disabled";
  return row.user.role === role ? null : "the user's role changed";
}
