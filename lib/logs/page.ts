import "server-only";
import type { LogLine } from "@/lib/contract/logs";
import { openContainerLogs, type ContainerLogOptions, type ContainerLogStream, type RawLogLine } from "@/lib/docker/logs";
import { currentTaskOf, openTaskLogs } from "@/lib/docker/swarm/task-logs";
import { FleetError } from "@/lib/errors";
import { openFileLogs } from "./file-tail";
import { mergeSorted } from "./merge";
import type { LogRequest } from "./query";
import type { LogTarget } from "./resolve";
import { engineSeconds } from "./time";

/**
 * The most one turn of the event loop spends matching: a slow pattern on a large chunk then
 * yields, so /api/health and every other request keep being answered while a search runs.
 */
const SLICE_MS = 3;

/** A search reads at most this many lines back per worker… */
export const MAX_SCAN_LINES = 500_000;
/** …and for at most this long; either limit marks the page truncated. */
export const MAX_SCAN_MS = 10_000;

export interface LogPage {
  lines: LogLine[];
  truncated: boolean;
}

/**
 * The last `tail` lines of the chosen workers (matching the search, if any), merged by ts.
 * `truncated` says there were more lines than the page holds, or a search stopped at its limits.
 */
export async function readLogPage(targets: LogTarget[], req: LogRequest, signal: AbortSignal): Promise<LogPage> {
  const deadline = Date.now() + MAX_SCAN_MS;
  const perWorker = await Promise.all(targets.map((t) => readWorker(t, req, signal, deadline)));
  const merged = mergeSorted(perWorker.map((w) => w.lines));
  const truncated = perWorker.some((w) => w.truncated) || merged.length > req.tail;
  return { lines: merged.length > req.tail ? merged.slice(merged.length - req.tail) : merged, truncated };
}

async function readWorker(t: LogTarget, req: LogRequest, signal: AbortSignal, deadline: number): Promise<LogPage> {
  if (req.tail === 0 || (t.destination.kind === "console" && !t.containerId)) return { lines: [], truncated: false };
  // Without a search the engine cuts the tail (one more line tells whether there was more);
  // with one, read further back and keep the last `tail` matches.
  const scan = req.matcher ? MAX_SCAN_LINES : req.tail + 1;
  const kept: LogLine[] = [];
  let seen = 0;
  let matches = 0;
  let stoppedEarly = false;
  const stream = t.destination.kind === "file" ? "file" : null;
  // On a swarm the page is the current task's log, from its node (or through the manager).
  const task = t.swarm ? ((await currentTaskOf(t.swarm.serviceId))?.task ?? null) : null;
  if (t.swarm && !task) return { lines: [], truncated: false };
  const node = task?.node ? { node: task.node } : {};
  let systemError: string | null = null;
  let handle: ContainerLogStream | null = null;
  // Lines wait here while matching yields; the engine stream is paused meanwhile (backpressure).
  const queue: RawLogLine[][] = [];
  let at = 0;
  let yielding = false;
  let drained: () => void = () => {};
  const drain = () => {
    const sliceEnd = Date.now() + SLICE_MS;
    while (queue.length > 0) {
      const batch = queue[0];
      while (at < batch.length) {
        const l = batch[at++];
        if (req.since && l.ts < req.since) continue;
        if (req.until && l.ts > req.until) continue;
        seen++;
        if (req.matcher && !req.matcher(l.text)) continue;
        matches++;
        kept.push({ ts: l.ts, worker: t.worker, stream: stream ?? l.stream, text: l.text, ...node });
        if (kept.length > 4 * req.tail) kept.splice(0, kept.length - req.tail); // a ring, trimmed in bulk
        if ((at & 31) === 0 && Date.now() > sliceEnd) break;
      }
      if (at >= batch.length) {
        queue.shift();
        at = 0;
      }
      if (Date.now() > deadline && handle) {
        stoppedEarly = true;
        queue.length = 0;
        handle.close();
        break;
      }
      if (queue.length > 0 && Date.now() > sliceEnd) {
        if (!yielding) handle?.pause();
        yielding = true;
        setImmediate(drain);
        return;
      }
    }
    if (yielding) {
      yielding = false;
      handle?.resume();
    }
    drained();
  };
  const onLines = (raw: RawLogLine[]) => {
    queue.push(raw);
    if (!yielding) drain();
  };
  const engineOpts: ContainerLogOptions = { follow: false, tail: scan, since: req.since ? engineSeconds(req.since) : undefined, until: req.until ? engineSeconds(req.until) : undefined };
  handle =
    t.destination.kind === "file"
      ? await openFileLogs(t.destination.path, { follow: false, tail: req.matcher ? undefined : scan, since: req.since, until: req.until }, onLines)
      : task
        ? await openTaskLogs(task, engineOpts, onLines, (m) => (systemError ??= m))
        : await openContainerLogs(t.containerId!, engineOpts, onLines);
  const abort = () => {
    queue.length = 0;
    handle?.close();
  };
  signal.addEventListener("abort", abort, { once: true });
  try {
    await handle.done;
    // The stream has ended; lines it delivered may still be waiting for their turn.
    if (queue.length > 0 && !signal.aborted) await new Promise<void>((resolve) => (drained = resolve));
  } finally {
    signal.removeEventListener("abort", abort);
  }
  // A node that could not send its part: an empty page would hide it, a partial one says it is partial.
  if (systemError && kept.length === 0) throw new FleetError("unavailable", `${t.worker} on ${task?.node ?? "its node"}: ${systemError}`, { reason: "node_unavailable", worker: t.worker });
  const lines = kept.length > req.tail ? kept.slice(kept.length - req.tail) : kept;
  return { lines, truncated: systemError !== null || stoppedEarly || matches > req.tail || (req.matcher !== null && seen >= MAX_SCAN_LINES) };
}
