import { withAuthErrors } from "@/lib/api/auth-errors";
import { apiRoute } from "@/lib/api/handler";
import { createTokenRequestSchema, toAdminToken, type CreatedToken } from "@/lib/contract/admin";
import { createApiToken, listApiTokens } from "@/lib/auth";
import { jsonResponse } from "@/lib/api/json";

export const dynamic = "force-dynamic";

/** Every API token, newest first, with its last use (never the secret). */
export const GET = apiRoute("GET /api/admin/tokens", async () => (await listApiTokens()).map(toAdminToken));

/** Creates an API token; the secret is in this answer and nowhere else. */
export const POST = apiRoute("POST /api/admin/tokens", async ({ body, principal, audit }) => {
  const input = createTokenRequestSchema.parse(body);
  audit.detail = `${input.name} (${input.role})`;
  // createdBy is a user id; a token creating a token has none.
  const created = await withAuthErrors(() => createApiToken({ name: input.name, role: input.role, createdBy: principal.userId }));
  audit.target = created.id;
  const out: CreatedToken = { ...toAdminToken(created), token: created.token };
  return jsonResponse(out, { status: 201, headers: { "Cache-Control": "no-store" } });
});
