import { ApiError, handleApiError } from "@/lib/api/errors";
import { apiRoute, assertSameOrigin } from "@/lib/api/handler";
import { loginRequestSchema, type LoginResponse } from "@/lib/contract/auth";
import { AuthError, clientIp, isHttpsRequest, login, sessionCookie } from "@/lib/auth";
import { signInByForm } from "./form";
import { orForm } from "../form-post";
import { jsonResponse } from "@/lib/api/json";

export const dynamic = "force-dynamic";

/** Signs in with username and password; answers who you are and sets the session cookie. A form post is answered with a 303 (./form.ts). */
export const POST = orForm(apiRoute("POST /api/auth/login", async ({ req, body, audit }) => {
  // Browsers send Origin on every POST; a foreign one means a cross-site login attempt.
  if (req.headers.get("origin")) assertSameOrigin(req);
  const credentials = loginRequestSchema.parse(body);
  audit.actor = credentials.username.trim().toLowerCase().slice(0, 64);
  audit.detail = "sign-in refused";
  try {
    const result = await login(credentials.username, credentials.password, clientIp(req));
    audit.detail = "signed in";
    const out: LoginResponse = { name: result.user.username, role: result.user.role, kind: "session" };
    return jsonResponse(out, { headers: { "Set-Cookie": sessionCookie(result.token, isHttpsRequest(req)), "Cache-Control": "no-store" } });
  } catch (err) {
    if (!(err instanceof AuthError)) throw err;
    if (err.code === "throttled") {
      const res = handleApiError(new ApiError("too_many_requests", err.message));
      res.headers.set("Retry-After", String(err.retryAfterSeconds ?? 900));
      return res;
    }
    throw new ApiError("unauthorized", "Invalid username or password");
  }
}), signInByForm);
