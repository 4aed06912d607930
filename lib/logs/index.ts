import "server-only";
// The log viewer's server side: read a bounded page, or follow workers live over SSE.
import type { Principal } from "@/lib/auth";
import { sseResponse } from "@/lib/api/sse";
import { followLogs } from "./follow";
import { acquireStreamSlot, STREAM_LIMITS } from "@/lib/api/stream-slots";
import { readLogPage, type LogPage } from "./page";
import type { LogRequest } from "./query";
import { resolveTargets } from "./resolve";

export { parseLogRequest, type LogRequest } from "./query";
export { openLogStreams } from "@/lib/docker/logs";
/** Concurrent follow streams one user (or one API token) may hold. */
export const MAX_STREAMS_PER_PRINCIPAL = STREAM_LIMITS.logs;

/**
 * Answers a log request: with `follow`, an SSE stream (one of the caller's limited slots, given
 * back when the client goes away); without, a bounded JSON page (also one of a few slots while it is read).
 */
export async function serveLogs(request: Request, principal: Principal, req: LogRequest): Promise<Response | LogPage> {
  if (!req.follow) {
    // A page with a search may scan 500k lines per worker: a caller runs a few at a time, not a flood.
    const release = acquireStreamSlot(principal, "pages");
    try {
      return await readLogPage(await resolveTargets(req.selector), req, request.signal);
    } finally {
      release();
    }
  }
  const release = acquireStreamSlot(principal, "logs");
  try {
    const targets = await resolveTargets(req.selector);
    return sseResponse(request, (channel) => {
      const stop = followLogs(channel, targets, req);
      return () => {
        stop();
        release();
      };
    });
  } catch (err) {
    release();
    throw err;
  }
}
