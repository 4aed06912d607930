import "server-only";
import { verifyApiToken } from "./api-tokens";
import { readCookie, SESSION_COOKIE } from "./cookies";
import type { Role } from "./roles";
import { validateSession } from "./sessions";

/** Who is making a request. Tokens are not users, so their userId is null. */
export interface Principal {
  kind: "session" | "token";
  userId: string | null;
  name: string;
  role: Role;
  sessionId?: string;
}

/**
 * Identifies the caller: an `Authorization: Bearer sf_…` token first, else the session
 * cookie. A request that presents a bearer token is judged by that token alone.
 */
export async function authenticateRequest(req: Request): Promise<Principal | null> {
  const authorization = req.headers.get("authorization");
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) return null;
    const token = await verifyApiToken(match[1]);
    return token ? { kind: "token", userId: null, name: token.name, role: token.role } : null;
  }
  const cookie = sessionTokenOf(req);
  if (!cookie) return null;
  const session = await validateSession(cookie);
  if (!session) return null;
  return { kind: "session", userId: session.userId, name: session.username, role: session.role, sessionId: session.sessionId };
}

/** The session token in the request's cookie, if any. */
export function sessionTokenOf(req: Request): string | null {
  return readCookie(req.headers.get("cookie"), SESSION_COOKIE);
}

/**
 * The client address for login throttling. Taken from the proxy headers (Next route handlers
 * do not see the socket); behind no proxy these are client-supplied, so the per-username
 * limit is the one that always holds.
 */
export function clientIp(req: Request): string | null {
  const forwarded = req.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  const ip = forwarded || req.headers.get("x-real-ip")?.trim();
  return ip ? ip.slice(0, 64) : null;
}
