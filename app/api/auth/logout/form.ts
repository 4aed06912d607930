import "server-only";
import type { NextRequest } from "next/server";
import { clearedSessionCookie, isHttpsRequest } from "@/lib/auth";
import { asApiRequest, refuseFormWithoutOrigin, seeOther, type ApiCall } from "../form-post";

/**
 * Sign-out by HTML form: the JSON handler ends the session (its Origin check refuses a
 * cross-site post with 403, which is passed on and leaves the session alone); then a 303 to
 * the sign-in page. A request that had no valid session (401) is signed out already: it goes
 * there too, its stale cookie cleared.
 */
export async function signOutByForm(req: NextRequest, api: ApiCall): Promise<Response> {
  const refused = refuseFormWithoutOrigin(req);
  if (refused) return refused;
  const res = await api(asApiRequest(req));
  if (res.ok) return seeOther("/login", res.headers.get("set-cookie"));
  if (res.status === 401) return seeOther("/login", clearedSessionCookie(isHttpsRequest(req)));
  return res;
}
