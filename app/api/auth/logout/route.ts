import { apiRoute } from "@/lib/api/handler";
import type { LogoutResponse } from "@/lib/contract/auth";
import { clearedSessionCookie, isHttpsRequest, logout, sessionTokenOf } from "@/lib/auth";
import { signOutByForm } from "./form";
import { orForm } from "../form-post";
import { jsonResponse } from "@/lib/api/json";

export const dynamic = "force-dynamic";

/** Ends the caller's session (if it has one) and clears the cookie. A form post is answered with a 303 to /login (./form.ts). */
export const POST = orForm(apiRoute("POST /api/auth/logout", async ({ req }) => {
  const token = sessionTokenOf(req);
  if (token) await logout(token);
  const out: LogoutResponse = { ok: true };
  return jsonResponse(out, { headers: { "Set-Cookie": clearedSessionCookie(isHttpsRequest(req)) } });
}), signOutByForm);
