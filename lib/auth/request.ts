import "server-only";
import { timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";
import { API_TOKEN_PATTERN, verifyApiToken } from "./api-tokens";
import { readCookie, SESSION_COOKIE } from "./cookies";
import { rememberCredential, type Credential } from "./revocation";
import type { Role } from "./roles";
import { sha256Hex } from "./secrets";
import { validateSession } from "./sessions";
import { verifiedCredentials } from "./verified";

/** Who is making a request. Tokens are not users, so their userId is null. */
export interface Principal {
  kind: "session" | "token";
  userId: string | null;
  name: string;
  role: Role;
  sessionId?: string;
}

/** What a confirmed credential stands for: the principal, and the row it was confirmed by. */
interface Confirmed {
  principal: Principal;
  credential: Credential;
}

const confirmed = verifiedCredentials<Confirmed>();

/**
 * Identifies the caller: an `Authorization: Bearer sf_…` token first, else the session
 * cookie. A request that presents a bearer token is judged by that token alone. What the
 * database confirmed a moment ago is believed for VERIFIED_FOR_MS (lib/auth/verified.ts).
 */
export async function authenticateRequest(req: Request): Promise<Principal | null> {
  const authorization = req.headers.get("authorization");
  let found: Confirmed | null;
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match || !API_TOKEN_PATTERN.test(match[1])) return null;
    const presented = match[1];
    found = await confirmed.get(`token ${sha256Hex(presented)}`, async () => {
      const token = await verifyApiToken(presented);
      return token && { value: { principal: { kind: "token", userId: null, name: token.name, role: token.role }, credential: { kind: "token", id: token.id } } };
    });
  } else {
    const cookie = sessionTokenOf(req);
    if (!cookie) return null;
    found = await confirmed.get(`session ${sha256Hex(cookie)}`, async () => {
      const session = await validateSession(cookie);
      if (!session) return null;
      const principal: Principal = { kind: "session", userId: session.userId, name: session.username, role: session.role, sessionId: session.sessionId };
      return { value: { principal, credential: { kind: "session", id: session.sessionId } }, expiresAt: session.expiresAt.getTime() };
    });
  }
  // A principal of its own per request: open streams are watched by it (revocation.ts).
  return found && rememberCredential({ ...found.principal }, found.credential);
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
