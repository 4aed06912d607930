import { apiRoute } from "@/lib/api/handler";
import { accepted, confirmedOn } from "@/lib/api/operation-responses";
import { startOperation } from "@/lib/operations";

export const dynamic = "force-dynamic";

/** Stops and removes every worker and gives their work back to the main process. */
export const POST = apiRoute("POST /api/rollback-to-single-process", async ({ req, principal }) =>
  accepted(await startOperation({ kind: "rollback_to_single_process" }, principal.name, confirmedOn(req))),
);
