import "server-only";
// The log viewer's server side: read a bounded page, or a live follow the API wraps in SSE.
import { openLogStreams as openEngineLogStreams } from "@/lib/docker/logs";
import { openFileTails } from "./file-tail";
import { followLogs, type LogChannel } from "./follow";
import { readLogPage, type LogPage } from "./page";
import type { LogRequest } from "./query";
import { resolveTargets } from "./resolve";

export { parseLogRequest, type LogRequest } from "./query";
export { MAX_STREAMS_PER_PRINCIPAL } from "./limits";
export type { LogChannel } from "./follow";
export type { LogPage } from "./page";

/** Every log source open now, the engine's streams and tailed files alike: what a closed request must bring back to zero. */
export function openLogStreams(): number {
  return openEngineLogStreams() + openFileTails();
}

/** A bounded page of the chosen workers' logs, merged in time order (a search may scan 500k lines per worker). */
export async function readLogs(req: LogRequest, signal: AbortSignal): Promise<LogPage> {
  return readLogPage(await resolveTargets(req.selector), req, signal);
}

/**
 * Resolves the workers to follow (refusing unknown ones before anything opens) and returns the
 * follow itself: started on a channel, it returns the cleanup that closes every engine stream.
 */
export async function followLogsOf(req: LogRequest): Promise<(channel: LogChannel) => () => void> {
  const targets = await resolveTargets(req.selector);
  return (channel) => followLogs(channel, targets, req);
}
