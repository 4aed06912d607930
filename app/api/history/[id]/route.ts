import { FleetError } from "@/lib/errors";
import { apiRoute } from "@/lib/api/handler";
import { operationFor } from "@/lib/topology/redact";
import { getOperation } from "@/lib/operations";

export const dynamic = "force-dynamic";

/** One history entry: the operation with its plan, steps, file diffs and result. */
export const GET = apiRoute<{ id: string }>("GET /api/history/{id}", async ({ params, principal }) => {
  const op = await getOperation(params.id);
  if (!op) throw new FleetError("not_found", `No operation ${params.id} in the history`);
  return operationFor(principal.role, op);
});
