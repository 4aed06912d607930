import { apiRoute } from "@/lib/api/handler";
import { operationFor } from "@/lib/topology/redact";
import { historyQuerySchema } from "@/lib/contract/operations";
import { listHistory } from "@/lib/operations";

export const dynamic = "force-dynamic";

/** Operations, newest first, a bounded page at a time (`before`: continue after that operation). */
export const GET = apiRoute("GET /api/history", async ({ req, principal }) => {
  const q = req.nextUrl.searchParams;
  const opts = historyQuerySchema.parse({ limit: q.get("limit") ?? undefined, before: q.get("before") ?? undefined });
  return (await listHistory(opts)).map((op) => operationFor(principal.role, op));
});
