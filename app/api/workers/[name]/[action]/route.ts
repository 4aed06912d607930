import { FleetError } from "@/lib/errors";
import { apiRoute } from "@/lib/api/handler";
import { accepted, confirmedOn } from "@/lib/api/operation-responses";
import { processNameSchema, workerActionSchema } from "@/lib/contract/operations";
import { startOperation } from "@/lib/operations";

export const dynamic = "force-dynamic";

/** Starts, stops or restarts one process (main included); an unknown action is not a route. */
export const POST = apiRoute<{ name: string; action: string }>("POST /api/workers/{name}/{action}", async ({ req, params, principal, audit }) => {
  const action = workerActionSchema.safeParse(params.action);
  if (!action.success) throw new FleetError("not_found", `No such action: ${params.action.slice(0, 40)} (start, stop or restart)`);
  const name = processNameSchema.parse(params.name);
  audit.target = name;
  return accepted(await startOperation({ kind: action.data, name }, principal.name, confirmedOn(req)));
});
