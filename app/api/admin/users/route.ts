import { withAuthErrors } from "@/lib/api/auth-errors";
import { apiRoute } from "@/lib/api/handler";
import { createUserRequestSchema, toAdminUser, type CreatedUser } from "@/lib/contract/admin";
import { createUser, generatePassword, listUsers } from "@/lib/auth";
import { jsonResponse } from "@/lib/api/json";

export const dynamic = "force-dynamic";

/** Every user, oldest first (never a password hash). */
export const GET = apiRoute("GET /api/admin/users", async () => (await listUsers()).map(toAdminUser));

/** Adds a user; without a password one is generated and answered here, once. */
export const POST = apiRoute("POST /api/admin/users", async ({ body, audit }) => {
  const input = createUserRequestSchema.parse(body);
  audit.target = input.username;
  const generatedPassword = input.password === undefined ? generatePassword() : undefined;
  audit.detail = `role ${input.role}${generatedPassword ? ", generated password" : ""}`;
  const user = await withAuthErrors(() => createUser({ username: input.username, role: input.role, password: input.password ?? generatedPassword! }));
  const out: CreatedUser = { ...toAdminUser(user), ...(generatedPassword ? { generatedPassword } : {}) };
  return jsonResponse(out, { status: 201, headers: { "Cache-Control": "no-store" } });
});
