import { apiRoute } from "@/lib/api/handler";
import { accepted, confirmedOn } from "@/lib/api/operation-responses";
import { startOperation } from "@/lib/operations";

export const dynamic = "force-dynamic";

/** Brings back the workers as they were before the last rollback to a single process. */
export const POST = apiRoute("POST /api/restore-workers", async ({ req, principal }) =>
  accepted(await startOperation({ kind: "restore_workers" }, principal.name, confirmedOn(req))),
);
