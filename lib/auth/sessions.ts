import "server-only";
import { getDb } from "@/lib/db";
import { credentialsChanged } from "./credential-events";
import { isRole, type Role } from "./roles";
import { randomSecret, sha256Hex } from "./secrets";

/** Idle lifetime: each use pushes expiry this far ahead. */
export const SESSION_TTL_MS = 12 * 60 * 60_000;
/** Absolute lifetime from sign-in: a stolen cookie in steady use still dies, and so does a forgotten tab. */
export const SESSION_MAX_AGE_MS = 24 * 60 * 60_000;
// Writing lastSeenAt on every request would turn each read into a write; once a minute is enough.
const TOUCH_INTERVAL_MS = 60_000;

export interface SessionInfo {
  sessionId: string;
  userId: string;
  username: string;
  role: Role;
  expiresAt: Date;
}

/** Starts a session and returns the cookie token; only its hash is stored. */
export async function createSession(userId: string, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
  const token = randomSecret(32);
  const expiresAt = slidingExpiry(now, now);
  const db = await getDb();
  await db.session.create({ data: { tokenHash: sha256Hex(token), userId, createdAt: now, lastSeenAt: now, expiresAt } });
  return { token, expiresAt };
}

// The idle expiry slides with use but never past the absolute limit.
function slidingExpiry(createdAt: Date, now: Date): Date {
  return new Date(Math.min(now.getTime() + SESSION_TTL_MS, createdAt.getTime() + SESSION_MAX_AGE_MS));
}

/**
 * Resolves a session token to its user, sliding the expiry forward. Sessions idle for
 * SESSION_TTL_MS or older than SESSION_MAX_AGE_MS, and sessions of disabled users, yield
 * null (expired ones are deleted).
 */
export async function validateSession(token: string, now = new Date()): Promise<SessionInfo | null> {
  if (!token || token.length > 128) return null;
  const db = await getDb();
  const session = await db.session.findUnique({ where: { tokenHash: sha256Hex(token) }, include: { user: true } });
  if (!session) return null;
  if (session.expiresAt <= now || now.getTime() - session.createdAt.getTime() >= SESSION_MAX_AGE_MS) {
    await db.session.deleteMany({ where: { id: session.id } });
    return null;
  }
  if (session.user.disabled || !isRole(session.user.role)) return null;
  let expiresAt = session.expiresAt;
  if (now.getTime() - session.lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) {
    expiresAt = slidingExpiry(session.createdAt, now);
    await db.session.updateMany({ where: { id: session.id }, data: { lastSeenAt: now, expiresAt } });
  }
  return { sessionId: session.id, userId: session.userId, username: session.user.username, role: session.user.role, expiresAt };
}

/** Ends the session the token belongs to; unknown tokens are ignored. */
export async function deleteSession(token: string): Promise<void> {
  const db = await getDb();
  await db.session.deleteMany({ where: { tokenHash: sha256Hex(token) } });
  credentialsChanged();
}

/** Ends all sessions of a user, or all but one (a self-service password change keeps its own). */
export async function deleteUserSessions(userId: string, opts: { exceptSessionId?: string } = {}): Promise<number> {
  const db = await getDb();
  const where = opts.exceptSessionId ? { userId, id: { not: opts.exceptSessionId } } : { userId };
  const { count } = await db.session.deleteMany({ where });
  credentialsChanged();
  return count;
}

/** Removes sessions that expired before `now` (housekeeping; safe to call any time). */
export async function pruneExpiredSessions(now = new Date()): Promise<number> {
  const db = await getDb();
  return (await db.session.deleteMany({ where: { expiresAt: { lte: now } } })).count;
}
