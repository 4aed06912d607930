import { withAuthErrors } from "@/lib/api/auth-errors";
import { apiRoute } from "@/lib/api/handler";
import { toAdminToken, tokenIdSchema } from "@/lib/contract/admin";
import { revokeApiToken } from "@/lib/auth";

export const dynamic = "force-dynamic";

/** Revokes an API token (again: no change); it stops authenticating at once. */
export const DELETE = apiRoute<{ id: string }>("DELETE /api/admin/tokens/{id}", async ({ params, audit }) => {
  const id = tokenIdSchema.parse(params.id);
  audit.target = id;
  return toAdminToken(await withAuthErrors(() => revokeApiToken(id)));
});
