import { apiRoute } from "@/lib/api/handler";
import { holdingSlot, sseHoldingSlot } from "@/lib/api/stream-slots";
import { followLogsOf, parseLogRequest, readLogs } from "@/lib/logs";

export const dynamic = "force-dynamic";

/** One worker's log: with `follow`, Server-Sent Events (resumable by Last-Event-ID); without, a bounded JSON page. */
export const GET = apiRoute<{ name: string }>("GET /api/workers/{name}/logs", async ({ req, params, principal }) => {
  const query = parseLogRequest(req.nextUrl.searchParams, { worker: params.name, lastEventId: req.headers.get("last-event-id") });
  // Each follow and each page being read is one of the caller's few slots (a page may scan 500k lines per worker).
  if (query.follow) return sseHoldingSlot(req, principal, "logs", () => followLogsOf(query));
  return holdingSlot(principal, "pages", () => readLogs(query, req.signal));
});
