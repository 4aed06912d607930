import { apiRoute } from "@/lib/api/handler";
import { parseLogRequest, serveLogs } from "@/lib/logs";

export const dynamic = "force-dynamic";

/**
 * Several workers' logs merged in time order: `workers` = names, `all` or `type:<worker type>`.
 * With `follow`, Server-Sent Events (resumable by Last-Event-ID); without, a bounded JSON page.
 */
export const GET = apiRoute("GET /api/logs", async ({ req, principal }) => {
  const query = parseLogRequest(req.nextUrl.searchParams, { lastEventId: req.headers.get("last-event-id") });
  return serveLogs(req, principal, query);
});
