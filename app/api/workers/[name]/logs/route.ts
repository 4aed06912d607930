import { apiRoute } from "@/lib/api/handler";
import { parseLogRequest, serveLogs } from "@/lib/logs";

export const dynamic = "force-dynamic";

/** One worker's log: with `follow`, Server-Sent Events (resumable by Last-Event-ID); without, a bounded JSON page. */
export const GET = apiRoute<{ name: string }>("GET /api/workers/{name}/logs", async ({ req, params, principal }) => {
  const query = parseLogRequest(req.nextUrl.searchParams, { worker: params.name, lastEventId: req.headers.get("last-event-id") });
  return serveLogs(req, principal, query);
});
