import { apiRoute } from "@/lib/api/handler";
import { holdingSlot, sseHoldingSlot } from "@/lib/api/stream-slots";
import { followLogsOf, parseLogRequest, readLogs } from "@/lib/logs";

export const dynamic = "force-dynamic";

/**
 * Several workers' logs merged in time order: `workers` = names, `all` or `type:<worker type>`.
 * With `follow`, Server-Sent Events (resumable by Last-Event-ID); without, a bounded JSON page.
 */
export const GET = apiRoute("GET /api/logs", async ({ req, principal }) => {
  const query = parseLogRequest(req.nextUrl.searchParams, { lastEventId: req.headers.get("last-event-id") });
  // Each follow and each page being read is one of the caller's few slots (a page may scan 500k lines per worker).
  if (query.follow) return sseHoldingSlot(req, principal, "logs", () => followLogsOf(query));
  return holdingSlot(principal, "pages", () => readLogs(query, req.signal));
});
