import "server-only";
import { timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";
import { verifyApiToken } from "./api-tokens";
import { readCookie, SESSION_COOKIE } from "./cookies";
import { rememberCredential } from "./revocation";
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
    return token ? rememberCredential({ kind: "token", userId: null, name: token.name, role: token.role }, { kind: "token", id: token.id }) : null;
  }
  const cookie = sessionTokenOf(req);
  if (!cookie) return null;
  const session = await validateSession(cookie);
  if (!session) return null;
  const principal: Principal = { kind: "session", userId: session.userId, name: session.username, role: session.role, sessionId: session.sessionId };
  return rememberCredential(principal, { kind: "session", id: session.sessionId });
}

/** The session token in the request's cookie, if any. */
export function sessionTokenOf(req: Request): string | null {
  return readCookie(req.headers.get("cookie"), SESSION_COOKIE);
}

// Written by scripts/server.mjs on every request as "<secret> <address>", after it removed
// any copy the client sent. The secret is made at each boot and lives only in this process's
// environment, so a request that did not pass through that server (next start, next dev, a
// header typed by a client) carries no address we believe.
const CLIENT_HEADER = "x-fleet-client";
const MAX_ADDRESS_LENGTH = 64;

/**
 * The client's address as the server decided it (the socket peer, or the address a trusted
 * proxy reported: FLEET_TRUSTED_PROXIES), for throttling and the audit log. Null when the
 * request did not come through scripts/server.mjs.
 */
export function clientIp(req: Request): string | null {
  const secret = process.env.FLEET_INTERNAL_SECRET;
  const value = req.headers.get(CLIENT_HEADER);
  if (!secret || !value) return null;
  const space = value.indexOf(" ");
  if (space < 0) return null;
  const presented = Buffer.from(value.slice(0, space));
  const expected = Buffer.from(secret);
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return null;
  const address = value.slice(space + 1);
  return address && address.length <= MAX_ADDRESS_LENGTH && isIP(address) ? address : null;
}
