import "server-only";
import { watch, type FSWatcher } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import type { ContainerLogStream, RawLogLine } from "@/lib/docker/logs";
import { openConfigFile, type OpenedConfigFile } from "@/lib/fs/safe";
import { configDir } from "@/lib/topology/config-files";
import { tsFromMillis } from "./time";

/** The fallback when no change notification arrives (a filesystem without inotify, a missed event). */
const POLL_MS = 200;
/**
 * A rotated-away file is still read until it has been quiet this long: a writer that was not yet
 * told to reopen (logrotate's `create`, then SIGHUP) goes on appending to it meanwhile.
 */
export const ROTATED_GRACE_MS = 5_000;
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

let openTails = 0;

/** How many file tails are open in this process: like the engine's streams, each must end with its reader. */
export function openFileTails(): number {
  return openTails;
}

export interface FileLogOptions {
  follow: boolean;
  tail?: number;
  /** Fixed-width ts bounds (inclusive) of the first read: `tail` counts only lines inside them, as the engine's does. */
  since?: string;
  until?: string;
  /** The directory the file must stay inside; the config dir when not given. */
  dir?: string;
}

/** A file tail: the engine stream's contract, plus why it ended when it was not closed by the caller. */
export interface FileLogStream extends ContainerLogStream {
  /** Set when the tail ended on its own: the file became unsafe (a link, not regular, outside) or unreadable. */
  readonly failure: string | null;
}

/** One opened file and how far it has been read. */
interface Reader {
  f: OpenedConfigFile;
  offset: number;
  /** The part of a line after the last newline read. */
  rest: string;
  /** When it last grew (for a rotated-away file's grace). */
  grewAt: number;
}

/**
 * Tails a log file the way the engine's log is read: the last `tail` lines (from at most the
 * last 64 MiB), then, with `follow`, what is appended — read when the directory reports a change,
 * and polled. The file is read from the descriptor that was checked, never reopened by name, except
 * when the name leads to a new file (rotation): that one is opened without following a link and
 * checked again before any of it is read; a file failing the check ends the tail (`failure` says
 * why). The rotated-away file is read on until it has been quiet for ROTATED_GRACE_MS, before the
 * new one each time, so lines its writer adds before reopening are neither lost nor misplaced. A
 * truncated file is read again from its start. Lines carry stream "stdout" here; the caller tags them "file".
 */
export async function openFileLogs(file: string, opts: FileLogOptions, onLines: (lines: RawLogLine[]) => void): Promise<FileLogStream> {
  const dir = opts.dir ?? configDir();
  if (!dir) throw new Error("SYNAPSE_CONFIG_DIR is not set: no log file is tailed");
  const rel = path.relative(path.resolve(dir), file);
  const display = `log file ${rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : path.basename(file)}`; // no host path in messages
  // Opened without following a link, the descriptor checked (regular, inside dir); null while the file does not exist.
  const openChecked = () => openConfigFile(dir, file, display);
  const readerOf = (f: OpenedConfigFile | null, offset = 0): Reader | null => (f ? { f, offset, rest: "", grewAt: Date.now() } : null);
  const firstFile = await openChecked();
  const first = firstFile?.stats ?? null;
  let current = readerOf(firstFile, first ? Math.max(0, first.size - MAX_BACKLOG_BYTES) : 0);
  let previous: Reader | null = null;
  let closed = false;
  let paused = false;
  let failure: string | null = null;
  let resolveDone = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  const stamper = new FileLineStamper(first?.mtimeMs ?? Date.now());
  let pending: RawLogLine[] = [];
  let busy = false;
  let again = false;

  /** Reads what the reader's descriptor holds beyond its offset; true when it grew. */
  const drain = async (r: Reader): Promise<boolean> => {
    const size = (await r.f.handle.stat()).size;
    const from = r.offset;
    while (!closed && r.offset < size) {
      const buf = Buffer.allocUnsafe(Math.min(READ_BLOCK, size - r.offset));
      const { bytesRead } = await r.f.handle.read(buf, 0, buf.length, r.offset);
      if (bytesRead === 0) break;
      r.offset += bytesRead;
      const text = r.rest + buf.toString("utf8", 0, bytesRead);
      const end = text.lastIndexOf("\n");
      r.rest = end < 0 ? text : text.slice(end + 1);
      if (end >= 0) pending.push(...text.slice(0, end).split("\n").map((l) => stamper.stamp(l)));
    }
    if (r.offset > from) r.grewAt = Date.now();
    return r.offset > from;
  };

  const closeReader = (r: Reader | null) => void r?.f.handle.close().catch(() => undefined);

  const readMore = async (): Promise<void> => {
    if (previous) {
      await drain(previous);
      if (Date.now() - previous.grewAt > ROTATED_GRACE_MS) {
        if (previous.rest) pending.push(stamper.stamp(previous.rest)); // its writer is gone: the unterminated last line is whole
        closeReader(previous);
        previous = null;
      }
    }
    // The name is only looked at (lstat: a link is seen as a link), never opened, unless it leads elsewhere now.
    const now = await fs.lstat(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return null; // rotated away, the new one not created yet: finish the old one
      throw err;
    });
    const moved = now !== null && (!current || now.ino !== current.f.stats.ino || now.dev !== current.f.stats.dev);
    if (current && !moved && now && now.size < current.offset) {
      current.offset = 0; // truncated in place: the same file from its start
      current.rest = "";
    }
    if (current) await drain(current);
    if (!moved || closed) return;
    const next = await openChecked();
    if (!next) return; // gone again between the lstat and the open: looked at next time
    if (current) {
      closeReader(previous); // rotated twice within the grace: the older one is done
      previous = current;
    }
    const fresh = readerOf(next)!;
    current = fresh;
    await drain(fresh);
  };

  const release = () => {
    closeReader(current);
    closeReader(previous);
    current = previous = null;
  };
  const finish = () => {
    if (closed) return;
    closed = true;
    openTails--;
    clearInterval(timer);
    watcher?.close();
    if (!busy) release(); // else released when the read in flight returns
    resolveDone();
  };

  openTails++; // from here on every path ends in finish()
  const opened = current;
  if (opened) {
    try {
      await drain(opened);
    } catch (err) {
      openTails--;
      release();
      throw err;
    }
    // The first read started mid-file: its first piece is not a whole line.
    if (first && first.size > MAX_BACKLOG_BYTES) pending.shift();
    const { since, until } = opts;
    if (since || until) pending = pending.filter((l) => (!since || l.ts >= since) && (!until || l.ts <= until));
    if (opts.tail !== undefined) pending = pending.slice(Math.max(0, pending.length - opts.tail));
    if (pending.length > 0) onLines(pending);
    pending = [];
  }
  const tick = () => {
    if (paused || closed) return;
    if (busy) {
      again = true; // a change reported mid-read is read right after it
      return;
    }
    busy = true;
    again = false;
    readMore().then(
      () => {
        busy = false;
        if (!closed && pending.length > 0) onLines(pending);
        pending = [];
        if (closed) release();
        else if (again) tick();
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
  };
  const timer = setInterval(tick, POLL_MS);
  let watcher: FSWatcher | null = null;
  if (opts.follow) watcher = watchDir(path.dirname(file), path.basename(file), tick);
  if (!opts.follow) finish();
  return {
    close: finish,
    pause: () => void (paused = true),
    resume: () => {
      paused = false;
      tick();
    },
    done,
    get failure() {
      return failure;
    },
  };
}

/**
 * Calls `onChange` when the directory reports a change to `name` (written, created, renamed), so
 * a line is read within milliseconds rather than at the next poll: lines of several workers are
 * merged through a 100 ms reorder window. Null where the directory cannot be watched (polling
 * alone then); a watcher that fails later just stops.
 */
function watchDir(dir: string, name: string, onChange: () => void): FSWatcher | null {
  try {
    const w = watch(dir, { persistent: false }, (_event, changed) => {
      if (changed === null || changed === name) onChange();
    });
    w.on("error", () => w.close());
    return w;
  } catch {
    return null;
  }
}
