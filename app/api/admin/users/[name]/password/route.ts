import { withAuthErrors } from "@/lib/api/auth-errors";
import { apiRoute } from "@/lib/api/handler";
import { resetPasswordRequestSchema, usernameSchema, type ResetPasswordResponse } from "@/lib/contract/admin";
import { generatePassword, setPassword } from "@/lib/auth";
import { jsonResponse } from "@/lib/api/json";

export const dynamic = "force-dynamic";

/** Resets a user's password (generated when none is given, answered once) and ends their sessions
 * (but the caller's own, when they reset their own). */
export const POST = apiRoute<{ name: string }>("POST /api/admin/users/{name}/password", async ({ params, body, principal, audit }) => {
  const name = usernameSchema.parse(params.name);
  const input = resetPasswordRequestSchema.parse(body);
  audit.target = name;
  const generatedPassword = input.password === undefined ? generatePassword() : undefined;
  audit.detail = generatedPassword ? "generated password" : "password set";
  // An admin resetting their own password stays signed in here; every other session ends.
  const keepSessionId = principal.kind === "session" && principal.name === name ? principal.sessionId : undefined;
  const user = await withAuthErrors(() => setPassword(name, input.password ?? generatedPassword!, { keepSessionId }));
  const out: ResetPasswordResponse = { username: user.username, ...(generatedPassword ? { generatedPassword } : {}) };
  return jsonResponse(out, { headers: { "Cache-Control": "no-store" } });
});
