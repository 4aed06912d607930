import { apiRoute } from "@/lib/api/handler";
import type { LogoutResponse } from "@/lib/contract/auth";
import { clearedSessionCookie, isHttpsRequest, logout, sessionTokenOf } from "@/lib/auth";

export const dynamic = "force-dynamic";

/** Ends the caller's session (if it has one) and clears the cookie. */
export const POST = apiRoute("POST /api/auth/logout", async ({ req }) => {
  const token = sessionTokenOf(req);
  if (token) await logout(token);
  const out: LogoutResponse = { ok: true };
  return Response.json(out, { headers: { "Set-Cookie": clearedSessionCookie(isHttpsRequest(req)) } });
});
