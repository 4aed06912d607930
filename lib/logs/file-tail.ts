import "server-only";
import fs from "node:fs/promises";
import path from "node:path";
import type { ContainerLogStream, RawLogLine } from "@/lib/docker/logs";
import { openConfigFile, type OpenedConfigFile } from "@/lib/fs/safe";
import { configDir } from "@/lib/topology/config-files";
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
  /** The directory the file must stay inside; the config dir when not given. */
  dir?: string;
}

/** A file tail: the engine stream's contract, plus why it ended when it was not closed by the caller. */
export interface FileLogStream extends ContainerLogStream {
  /** Set when the tail ended on its own: the file became unsafe (a link, not regular, outside) or unreadable. */
  readonly failure: string | null;
}

/**
 * Tails a log file the way the engine's log is read: the last `tail` lines (from at most the
 * last 64 MiB), then, with `follow`, what is appended — polled. The file is read from the
 * descriptor that was checked, never reopened by name, except when the name leads to a new file
 * (rotation): that one is opened without following a link and checked again before any of it is
 * read; a file failing the check ends the tail (`failure` says why). A truncated file is read again
 * from its start. Lines carry stream "stdout" here; the caller tags them "file".
 */
export async function openFileLogs(file: string, opts: FileLogOptions, onLines: (lines: RawLogLine[]) => void): Promise<FileLogStream> {
  const dir = opts.dir ?? configDir();
  if (!dir) throw new Error("SYNAPSE_CONFIG_DIR is not set: no log file is tailed");
  const rel = path.relative(path.resolve(dir), file);
  const display = `log file ${rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : path.basename(file)}`; // no host path in messages
  // Opened without following a link, the descriptor checked (regular, inside dir); null while the file does not exist.
  const openChecked = () => openConfigFile(dir, file, display);
  let current = await openChecked();
  let closed = false;
  let paused = false;
  let failure: string | null = null;
  let resolveDone = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  const first = current?.stats ?? null;
  let offset = first ? Math.max(0, first.size - MAX_BACKLOG_BYTES) : 0;
  const stamper = new FileLineStamper(first?.mtimeMs ?? Date.now());
  let rest = "";
  let pending: RawLogLine[] = [];
  let busy = false;

  /** Reads what the open descriptor holds beyond `offset`. */
  const drain = async (f: OpenedConfigFile): Promise<void> => {
    const size = (await f.handle.stat()).size;
    while (!closed && offset < size) {
      const buf = Buffer.allocUnsafe(Math.min(READ_BLOCK, size - offset));
      const { bytesRead } = await f.handle.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
      const text = rest + buf.toString("utf8", 0, bytesRead);
      const end = text.lastIndexOf("\n");
      rest = end < 0 ? text : text.slice(end + 1);
      if (end >= 0) pending.push(...text.slice(0, end).split("\n").map((l) => stamper.stamp(l)));
    }
  };

  const readMore = async (): Promise<void> => {
    // The name is only looked at (lstat: a link is seen as a link), never opened, unless it leads elsewhere now.
    const now = await fs.lstat(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return null; // rotated away, the new one not created yet: finish the old one
      throw err;
    });
    const moved = now !== null && (!current || now.ino !== current.stats.ino || now.dev !== current.stats.dev);
    if (current && !moved && now && now.size < offset) {
      offset = 0; // truncated in place: the same file from its start
      rest = "";
    }
    if (current) await drain(current);
    if (!moved || closed) return;
    const next = await openChecked();
    if (!next) return; // gone again between the lstat and the open: looked at next time
    await current?.handle.close();
    current = next;
    offset = 0;
    rest = "";
    await drain(current);
  };

  const release = () => {
    const f = current;
    current = null;
    void f?.handle.close().catch(() => undefined);
  };
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    if (!busy) release(); // else released when the read in flight returns
    resolveDone();
  };

  if (current) {
    try {
      await drain(current);
    } catch (err) {
      release();
      throw err;
    }
    // The first read started mid-file: its first piece is not a whole line.
    if (first && first.size > MAX_BACKLOG_BYTES) pending.shift();
    if (opts.tail !== undefined) pending = pending.slice(Math.max(0, pending.length - opts.tail));
    if (pending.length > 0) onLines(pending);
    pending = [];
  }
  const timer = setInterval(() => {
    if (busy || paused || closed) return;
    busy = true;
    readMore().then(
      () => {
        busy = false;
        if (!closed && pending.length > 0) onLines(pending);
        pending = [];
        if (closed) release();
      },
      (err: Error) => {
        busy = false;
        if (!closed && pending.length > 0) onLines(pending); // read from the checked file before the failure
        pending = [];
        failure = err.message;
        finish(); // unsafe or unreadable now: the caller says so and decides whether to reopen
        release();
      },
    );
  }, POLL_MS);
  if (!opts.follow) finish();
  return {
    close: finish,
    pause: () => void (paused = true),
    resume: () => void (paused = false),
    done,
    get failure() {
      return failure;
    },
  };
}
