import { apiRoute } from "@/lib/api/handler";
import { accepted, confirmedOn } from "@/lib/api/operation-responses";
import { operationIdSchema, restoreRequestSchema } from "@/lib/contract/operations";
import { startOperation } from "@/lib/operations";

export const dynamic = "force-dynamic";

/** Puts the deployment back as it was before or after one operation (itself a new operation). */
export const POST = apiRoute<{ id: string }>("POST /api/history/{id}/restore", async ({ req, body, params, principal, audit }) => {
  const { point } = restoreRequestSchema.parse(body);
  audit.target = params.id.slice(0, 100);
  const operationId = operationIdSchema.parse(params.id);
  audit.detail = `restore to ${point}`;
  return accepted(await startOperation({ kind: "restore", operationId, point }, principal.name, confirmedOn(req)));
});
