import "server-only";
import { getDb } from "@/lib/db";
import { isRole, type Role } from "./roles";
import { randomSecret, sha256Hex } from "./secrets";

/** Idle lifetime: each use pushes expiry this far ahead. */
export const SESSION_TTL_MS = 12 * 60 * 60_000;
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
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  const db = await getDb();
  await db.session.create({ data: { tokenHash: sha256Hex(token), userId, createdAt: now, lastSeenAt: now, expiresAt } });
  return { token, expiresAt };
}

/**
 * Resolves a session token to its user, sliding the expiry forward. Expired sessions and
 * sessions of disabled users yield null (expired ones are deleted).
 */
export async function validateSession(token: string, now = new Date()): Promise<SessionInfo | null> {
  if (!token || token.length > 128) return null;
  const db = await getDb();
  const session = await db.session.findUnique({ where: { tokenHash: sha256Hex(token) }, include: { user: true } });
  if (!session) return null;
  if (session.expiresAt <= now) {
    await db.session.deleteMany({ where: { id: session.id } });
    return null;
  }
  if (session.user.disabled || !isRole(session.user.role)) return null;
  let expiresAt = session.expiresAt;
  if (now.getTime() - session.lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) {
    expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    await db.session.updateMany({ where: { id: session.id }, data: { lastSeenAt: now, expiresAt } });
  }
  return { sessionId: session.id, userId: session.userId, username: session.user.username, role: session.user.role, expiresAt };
}

/** Ends the session the token belongs to; unknown tokens are ignored. */
export async function deleteSession(token: string): Promise<void> {
  const db = await getDb();
  await db.session.deleteMany({ where: { tokenHash: sha256Hex(token) } });
}

/** Removes sessions that expired before `now` (housekeeping; safe to call any time). */
export async function pruneExpiredSessions(now = new Date()): Promise<number> {
  const db = await getDb();
  return (await db.session.deleteMany({ where: { expiresAt: { lte: now } } })).count;
}
