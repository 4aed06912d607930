import "server-only";
import type Docker from "dockerode";
import { docker, DockerUnavailableError, isUnreachable } from "./client";
import { FrameDemuxer, RawDecoder, type RawLogLine } from "./log-frames";
import { dialPlainLogStream } from "./log-socket";

export type { RawLogLine } from "./log-frames";

export interface ContainerLogOptions {
  /** Keep the stream open for new lines (until the container stops). */
  follow: boolean;
  /** Last N lines only (before following); omitted = everything in range. */
  tail?: number;
  /** Engine timestamps: Unix seconds with up to 9 decimals, e.g. "1764180566.289670199". */
  since?: string;
  until?: string;
}

export interface ContainerLogStream {
  /** Stops reading: destroys the engine's HTTP stream. Idempotent. */
  close(): void;
  pause(): void;
  resume(): void;
  /** Settles when the stream ends: the container stopped, `until` was reached, or close() was called. */
  done: Promise<void>;
}

let open = 0;

/** How many engine log streams are open in this process (tests check it returns to zero). */
export function openLogStreams(): number {
  return open;
}

const ttyOf = new Map<string, boolean>();

/** Whether the container runs with a TTY (then its log stream is raw, not multiplexed). Cached: a container's Tty never changes. */
async function isTty(containerId: string, api: Docker): Promise<boolean> {
  const known = ttyOf.get(containerId);
  if (known !== undefined) return known;
  const info = await api.getContainer(containerId).inspect();
  const tty = Boolean(info.Config.Tty);
  if (ttyOf.size > 1000) ttyOf.clear();
  ttyOf.set(containerId, tty);
  return tty;
}

/** Whether the container is running now (after its log stream ended: stopped, or already restarted?). */
export async function containerRunning(containerId: string): Promise<boolean> {
  try {
    const info = await docker().getContainer(containerId).inspect();
    return Boolean(info.State.Running);
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    if (isUnreachable(err)) throw new DockerUnavailableError(err);
    throw err;
  }
}

/**
 * Reads a container's log lines with the engine's timestamps, stdout and stderr apart, calling
 * `onLines` with each decoded chunk's lines. Streamed in both modes, so a large range is never
 * buffered whole. `api` is the engine the container runs on (a Swarm node's, for a task's container).
 */
export async function openContainerLogs(
  containerId: string,
  opts: ContainerLogOptions,
  onLines: (lines: RawLogLine[]) => void,
  api: Docker = docker(),
): Promise<ContainerLogStream> {
  return openEngineLogs({ api, resource: `/containers/${encodeURIComponent(containerId)}/logs`, tty: () => isTty(containerId, api), missing: "no such container" }, opts, onLines);
}

/**
 * A Swarm task's log through the manager (GET /tasks/{id}/logs): the same frames as a container's,
 * plus the engine's own error frames (a node that is not available), which go to `onSystem`.
 * The engine ignores `until` here; callers filter by ts.
 */
export async function openTaskLogStream(
  taskId: string,
  tty: boolean,
  opts: ContainerLogOptions,
  onLines: (lines: RawLogLine[]) => void,
  onSystem: (message: string) => void,
  api: Docker = docker(),
): Promise<ContainerLogStream> {
  return openEngineLogs({ api, resource: `/tasks/${encodeURIComponent(taskId)}/logs`, tty: async () => tty, missing: "no such task", onSystem }, opts, onLines);
}

interface LogResource {
  api: Docker;
  /** The path of the logs endpoint, encoded. */
  resource: string;
  tty: () => Promise<boolean>;
  /** What a 404 means, for the fallback's message. */
  missing: string;
  onSystem?: (message: string) => void;
}

async function openEngineLogs(src: LogResource, opts: ContainerLogOptions, onLines: (lines: RawLogLine[]) => void): Promise<ContainerLogStream> {
  let stream: LogStreamBody;
  let tty: boolean;
  try {
    tty = await src.tty();
    const query = {
      follow: opts.follow,
      stdout: true,
      stderr: true,
      timestamps: true,
      ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
      ...(opts.since ? { since: opts.since } : {}),
      ...(opts.until ? { until: opts.until } : {}),
    };
    stream = (await dialPlainLogStream(src.resource, query, src.api)) ?? (await dialLogStream(src, query));
  } catch (err) {
    if (isUnreachable(err)) throw new DockerUnavailableError(err);
    throw err;
  }
  open++;
  const decoder = tty ? new RawDecoder() : new FrameDemuxer(true, src.onSystem);
  let closed = false;
  let resolveDone = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  const finish = (flushRest: boolean) => {
    if (closed) return;
    closed = true;
    open--;
    stream.removeListener("data", onData);
    if (flushRest) {
      const rest = decoder.end();
      if (rest.length > 0) onLines(rest);
    }
    resolveDone();
  };
  const onData = (chunk: Buffer) => {
    const lines = decoder.push(chunk);
    if (lines.length > 0) onLines(lines);
  };
  stream.on("data", onData);
  stream.resume(); // the plain-socket body comes paused
  stream.once("end", () => finish(true));
  stream.once("close", () => finish(true));
  stream.on("error", () => finish(false)); // a reset socket ends the read like a stop; the caller decides what next

  return {
    close() {
      if (closed) return;
      finish(false);
      stream.destroy?.();
    },
    pause: () => void stream.pause(),
    resume: () => void stream.resume(),
    done,
  };
}

type LogStreamBody = NodeJS.ReadableStream & { destroy?: () => void };

/**
 * The logs endpoint as a stream in both modes, through dockerode's modem (TLS, SSH): its `logs()`
 * buffers the whole body unless following, and a bounded read of a large log must not be held in
 * memory at once.
 */
function dialLogStream(src: LogResource, query: Record<string, unknown>): Promise<LogStreamBody> {
  const modem = src.api.modem as unknown as { dial(opts: object, cb: (err: Error | null, data: unknown) => void): void };
  return new Promise((resolve, reject) => {
    modem.dial(
      {
        path: `${src.resource}?`,
        method: "GET",
        isStream: true,
        statusCodes: { 200: true, 404: src.missing, 500: "server error", 503: "node is not available" },
        options: query,
      },
      (err, data) => (err ? reject(err) : resolve(data as LogStreamBody)),
    );
  });
}
