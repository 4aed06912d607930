import "server-only";
import type { NextRequest } from "next/server";
import { loginFailureForStatus, retryAfterSeconds } from "@/components/auth/login-messages";
import { safeNextPath } from "@/lib/auth/redirect";
import { asApiRequest, isFormBody, readFormFields, refuseFormWithoutOrigin, seeOther, type ApiCall } from "../form-post";

/** Where a failed form sign-in goes: back to the form, with a code the page turns into a message. */
function backToForm(failure: string, next: string, retry?: string | null): string {
  const q = new URLSearchParams({ error: failure });
  if (failure === "throttled") q.set("retry", String(retryAfterSeconds(retry)));
  if (next !== "/") q.set("next", next);
  return `/login?${q}`;
}

/**
 * Sign-in by HTML form: the fields go to the JSON handler as its body; success is a 303 to
 * `next` (a path on this site, else "/") carrying the session cookie, a refusal a 303 back to
 * /login?error=…. What a browser cannot fix by typing again (a foreign Origin, an oversized
 * body) keeps its error status.
 */
export async function signInByForm(req: NextRequest, api: ApiCall): Promise<Response> {
  if (!isFormBody(req)) return api(req); // a page request with some other body: the API refuses it as it would
  const refused = refuseFormWithoutOrigin(req);
  if (refused) return refused;
  const fields = await readFormFields(req);
  const next = safeNextPath(fields.get("next"));
  const res = await api(asApiRequest(req, { username: fields.get("username") ?? "", password: fields.get("password") ?? "" }));
  if (res.ok) return seeOther(next, res.headers.get("set-cookie"));
  const failure = loginFailureForStatus(res.status);
  return failure ? seeOther(backToForm(failure, next, res.headers.get("retry-after"))) : res;
}
