import "server-only";
import type { LogLine, LogStatus } from "@/lib/contract/logs";
import { engineEvents } from "@/lib/docker/events";
import { ReorderBuffer } from "./merge";
import type { LogRequest } from "./query";
import { currentContainers, type LogTarget } from "./resolve";
import { TaskLogSource } from "./task-source";
import { WorkerLogSource } from "./worker-source";
import { logSafely } from "@/lib/log";

/** Lines wait this long so that lines of several workers leave in ts order. */
export const REORDER_WINDOW_MS = 100;
export const FLUSH_EVERY_MS = 50;
export const MAX_BATCH_LINES = 2_000;
/** Lines held (not yet sent) before the workers' streams are paused: bounds memory for a slow client. */
const MAX_BUFFERED_LINES = 50_000;
const REDISCOVER_DEBOUNCE_MS = 300;

/**
 * Where followed lines go: the API wraps it as Server-Sent Events (lib/api/sse.ts), a test may
 * collect them. Declared here so the log path depends on no transport.
 */
export interface LogChannel {
  /** Sends one event; `id` is what a reconnect resumes after. */
  send(event: string, data: unknown, id?: string): void;
  /** True while the reader is slower than the writer: sending waits for onDrain. */
  backlogged(): boolean;
  /** Calls `fn` whenever the reader has room again; returns an unsubscribe. */
  onDrain(fn: () => void): () => void;
}

/**
 * Follows several workers' logs into one channel: `lines` events of at most 2,000 lines in ts
 * order, each with `id:` = the newest ts sent so far, and `status` events per worker. Returns the
 * cleanup that closes every engine stream.
 */
export function followLogs(channel: LogChannel, targets: LogTarget[], req: LogRequest): () => void {
  const buffer = new ReorderBuffer(targets.length > 1 ? REORDER_WINDOW_MS : 0);
  let newest = req.after ?? "";
  let closed = false;
  let paused = false;

  const flush = (all = false) => {
    if (closed) return;
    while (buffer.size > 0 && !channel.backlogged()) {
      const lines = buffer.take(Date.now(), MAX_BATCH_LINES, all);
      if (lines.length === 0) break;
      for (const l of lines) if (l.ts > newest) newest = l.ts;
      channel.send("lines", { lines }, newest);
    }
    if (paused && buffer.size < MAX_BUFFERED_LINES / 2) {
      paused = false;
      for (const s of sources) s.resume();
    }
  };

  const sink = {
    lines(worker: string, lines: LogLine[]) {
      if (closed) return;
      buffer.add(worker, lines, Date.now());
      if (!paused && buffer.size >= MAX_BUFFERED_LINES) {
        paused = true;
        for (const s of sources) s.pause();
      }
    },
    status(s: LogStatus) {
      if (closed) return;
      flush(true); // lines before a stop belong before its status
      channel.send("status", s);
    },
  };
  const opts = { tail: req.tail, since: req.since, until: req.until, after: req.after, matcher: req.matcher };
  // A Swarm service's source follows its tasks itself; a container's hears of restarts from the engine's events.
  const containerSources: WorkerLogSource[] = [];
  const sources: Array<WorkerLogSource | TaskLogSource> = targets.map((t) => {
    if (t.swarm) return new TaskLogSource({ ...t, swarm: t.swarm }, opts, sink);
    const s = new WorkerLogSource({ ...t }, opts, sink);
    containerSources.push(s);
    return s;
  });

  const timer = setInterval(() => flush(), FLUSH_EVERY_MS);
  const stopDrain = channel.onDrain(() => flush());

  // A start of our container reopens its source; a start of any other container may be our worker
  // recreated under a new id (lifecycle operations remove and create): look it up again.
  let rediscover: NodeJS.Timeout | null = null;
  const onContainer = (e: { id: string; action: string }) => {
    if (closed || e.action !== "start") return;
    const mine = containerSources.find((s) => s.containerId === e.id);
    if (mine) return mine.containerStarted();
    if (rediscover) return;
    rediscover = setTimeout(() => {
      rediscover = null;
      currentContainers().then(
        (now) => {
          for (const s of containerSources) {
            const id = now.get(s.worker);
            if (id) s.switchContainer(id);
          }
        },
        (err: unknown) => logSafely("[logs] finding recreated workers failed:", err),
      );
    }, REDISCOVER_DEBOUNCE_MS);
  };
  const stopEvents = containerSources.length > 0 ? engineEvents().on("container", onContainer) : () => {};

  for (const s of sources) s.start();

  return () => {
    closed = true;
    clearInterval(timer);
    if (rediscover) clearTimeout(rediscover);
    stopDrain();
    stopEvents();
    for (const s of sources) s.close();
  };
}
