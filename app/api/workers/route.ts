import { apiRoute, readJson } from "@/lib/api/handler";
import { accepted, withOperationErrors } from "@/lib/api/operation-errors";
import { addWorkerRequestSchema } from "@/lib/api/schemas/operations";
import { startOperation } from "@/lib/operations";

export const dynamic = "force-dynamic";

/** Adds a worker of one kind; answers 202 with the operation that carries it out. */
export const POST = apiRoute("operator", async ({ req, principal }) => {
  const body = addWorkerRequestSchema.parse(await readJson(req));
  return accepted(await withOperationErrors(() => startOperation({ kind: "add_worker", ...body }, principal.name)));
});
