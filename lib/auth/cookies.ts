import "server-only";

export const SESSION_COOKIE = "fleet_session";

// No Max-Age: a browser-session cookie. The server enforces the sliding 12 h expiry, which
// a fixed cookie lifetime set at login could not follow.
function attributes(secure: boolean): string {
  return `Path=/; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

/** Set-Cookie value carrying a new session token. */
export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; ${attributes(secure)}`;
}

/** Set-Cookie value that removes the session cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Max-Age=0; ${attributes(secure)}`;
}

/** The value of cookie `name` in a Cookie header, or null. */
export function readCookie(cookieHeader: string | null, name: string): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/**
 * Whether the browser reached us over https (directly or through a proxy that says so).
 * X-Forwarded-Proto can be believed here because scripts/server.mjs removes it from every
 * request whose peer is not in FLEET_TRUSTED_PROXIES, and Next then sets it from the socket.
 * Without that server (next start/dev) a client could send it, but only to get or lose the
 * Secure flag on its own cookie.
 */
export function isHttpsRequest(req: Request): boolean {
  const forwarded = req.headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  if (forwarded) return forwarded === "https";
  try {
    return new URL(req.url).protocol === "https:";
  } catch {
    return false;
  }
}
