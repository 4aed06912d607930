import { apiRoute } from "@/lib/api/handler";
import { accepted, confirmedOn } from "@/lib/api/operation-responses";
import { startOperation } from "@/lib/operations";
import { workerNameSchema } from "@/lib/synapse/plan-schema";

export const dynamic = "force-dynamic";

/** Removes a worker: its container, its worker file and every reference to it. */
export const DELETE = apiRoute<{ name: string }>("DELETE /api/workers/{name}", async ({ req, params, principal, audit }) => {
  const name = workerNameSchema.parse(params.name);
  audit.target = name;
  return accepted(await startOperation({ kind: "remove_worker", name }, principal.name, confirmedOn(req)));
});
