import { FleetError } from "@/lib/errors";
import { apiRoute } from "@/lib/api/handler";
import { operationFor } from "@/lib/topology/redact";
import { getOperation } from "@/lib/operations";

export const dynamic = "force-dynamic";

/** One operation: its plan, each step's status, and its result. */
export const GET = apiRoute<{ id: string }>("GET /api/operations/{id}", async ({ params, principal }) => {
  const op = await getOperation(params.id);
  if (!op) throw new FleetError("not_found", `No operation ${params.id}`);
  return operationFor(principal.role, op);
});
