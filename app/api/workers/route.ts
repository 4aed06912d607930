import { apiRoute } from "@/lib/api/handler";
import { accepted, confirmedOn } from "@/lib/api/operation-responses";
import { addWorkerRequestSchema } from "@/lib/contract/operations";
import { startOperation } from "@/lib/operations";

export const dynamic = "force-dynamic";

/** Adds a worker of one kind; answers 202 with the operation that carries it out. */
export const POST = apiRoute("POST /api/workers", async ({ req, body, principal, audit }) => {
  const request = addWorkerRequestSchema.parse(body);
  audit.target = request.name ?? request.type;
  return accepted(await startOperation({ kind: "add_worker", ...request }, principal.name, confirmedOn(req)));
});
