import "server-only";
import fs from "node:fs/promises";
import type { ContainerLogStream, RawLogLine } from "@/lib/docker/logs";
import { tsFromMillis } from "./time";

const POLL_MS = 200;
/** The most a first read goes back from the end of the file. */
const MAX_BACKLOG_BYTES = 64 * 2 ** 20;
const READ_BLOCK = 1 << 20;

/**
 * Gives a log file's lines engine-like timestamps: Synapse's own "2026-11-26 18:00:00,123" (UTC)
 * when the line starts with it, else the previous line's moment (a stack trace belongs to its line),
 * with a sub-millisecond sequence so lines of one millisecond stay ordered and distinct.
 */
export class FileLineStamper {
  private lastMs = 0;
  private seq = 0;
  constructor(private fallbackMs: number) {}

  stamp(text: string): RawLogLine {
    let ms = synapseTime(text);
    if (ms === null) ms = this.lastMs || this.fallbackMs;
    if (ms === this.lastMs) this.seq++;
    else if (ms > this.lastMs) {
      this.lastMs = ms;
      this.seq = 0;
    } else {
      ms = this.lastMs; // a clock step back: keep the order
      this.seq++;
    }
    return { ts: tsFromMillis(ms, this.seq), stream: "stdout", text };
  }
}

function synapseTime(text: string): number | null {
  // "2026-11-26 18:00:00,123": checked by position before any parsing.
  if (text.length < 23 || text.charCodeAt(4) !== 45 || text.charCodeAt(10) !== 32 || text.charCodeAt(19) !== 44) return null;
  const ms = Date.parse(`${text.slice(0, 10)}T${text.slice(11, 19)}.${text.slice(20, 23)}Z`);
  return Number.isNaN(ms) ? null : ms;
}

export interface FileLogOptions {
  follow: boolean;
  tail?: number;
}

/**
 * Tails a log file the way the engine's log is read: the last `tail` lines (from at most the
 * last 64 MiB), then, with `follow`, what is appended — polled, and reopened from the start when
 * the file is rotated or truncated. Lines carry stream "stdout" here; the caller tags them "file".
 */
export async function openFileLogs(file: string, opts: FileLogOptions, onLines: (lines: RawLogLine[]) => void): Promise<ContainerLogStream> {
  let closed = false;
  let paused = false;
  let resolveDone = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  const st = await fs.stat(file).catch(() => null);
  let ino = st?.ino ?? -1;
  let offset = st ? Math.max(0, st.size - MAX_BACKLOG_BYTES) : 0;
  const stamper = new FileLineStamper(st?.mtimeMs ?? Date.now());
  let rest = "";

  const readMore = async (): Promise<void> => {
    const now = await fs.stat(file).catch(() => null);
    if (!now) return;
    if (now.ino !== ino || now.size < offset) {
      ino = now.ino; // rotated or truncated: the new file from its start
      offset = 0;
      rest = "";
    }
    const fh = await fs.open(file, "r");
    try {
      while (!closed && offset < now.size) {
        const buf = Buffer.allocUnsafe(Math.min(READ_BLOCK, now.size - offset));
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        const text = rest + buf.toString("utf8", 0, bytesRead);
        const end = text.lastIndexOf("\n");
        rest = end < 0 ? text : text.slice(end + 1);
        if (end >= 0) pending.push(...text.slice(0, end).split("\n").map((l) => stamper.stamp(l)));
      }
    } finally {
      await fh.close();
    }
  };
  let pending: RawLogLine[] = [];

  if (st) {
    await readMore();
    // The first read started mid-file: its first piece is not a whole line.
    if (offset > 0 && st.size > MAX_BACKLOG_BYTES) pending.shift();
    if (opts.tail !== undefined) pending = pending.slice(Math.max(0, pending.length - opts.tail));
    if (pending.length > 0) onLines(pending);
    pending = [];
  }
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    resolveDone();
  };
  let busy = false;
  const timer = setInterval(() => {
    if (busy || paused || closed) return;
    busy = true;
    readMore().then(
      () => {
        busy = false;
        if (!closed && pending.length > 0) onLines(pending);
        pending = [];
      },
      () => {
        busy = false;
        finish(); // unreadable now: the caller says so and decides whether to reopen
      },
    );
  }, POLL_MS);
  if (!opts.follow) finish();
  return { close: finish, pause: () => void (paused = true), resume: () => void (paused = false), done };
}
