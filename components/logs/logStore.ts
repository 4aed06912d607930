"use client";

import type { LogLine, LogStatus } from "@/lib/contract/logs";
import { isContinuation, parseLogLine, type ParsedLogLine } from "@/lib/logs/parse";
import type { CompiledFilter } from "./filter";

/** How many records the browser keeps; older ones fall off (the operator is told). */
export const LOG_CAPACITY = 100_000;
/** A runaway multi-line record keeps its first lines and counts the rest. */
export const MAX_CONTINUATION = 2_000;
/**
 * Renders are spaced by the rate lines arrive at: every frame while it is low, 10 a second at
 * 10,000 lines/s, 4 a second from 25,000. Nobody reads lines at those rates, and each render lays
 * out every visible row again; the main thread stays free for the lines themselves and for input.
 */
const RENDER_SPACING_MS_PER_KLINES = 10;
const MAX_RENDER_SPACING_MS = 250;

/**
 * One record as shown: a Synapse line with its continuation lines (stack trace), or a stream
 * status. Its header is read when first asked for (a row in view, a filter), not on arrival: most
 * of a fast stream's lines leave the window unread, and an unread line costs no parsed fields.
 */
export class LogEntry {
  /** Position in arrival order; contiguous within the window, so it addresses the ring. */
  seq = -1;
  more: string[] | null = null;
  moreDropped = 0;
  private header: ParsedLogLine | null | undefined = undefined;

  constructor(
    readonly kind: "line" | "status",
    readonly ts: string,
    readonly worker: string,
    readonly stream: LogLine["stream"] | "status",
    readonly text: string,
    /** The Swarm node that wrote it (null outside a swarm). */
    readonly node: string | null = null,
  ) {}

  get parsed(): ParsedLogLine | null {
    if (this.header === undefined) this.header = this.kind === "line" ? parseLogLine(this.text) : null;
    return this.header;
  }
}

/**
 * Always-on counters read by the log-viewer benchmark (scripts/bench/logs.ts) as
 * `window.__fleetLogs`: lines received by any store, and records the last appended store retains.
 */
interface LogCounters {
  received: number;
  retained: number;
}

function countBatch(lines: number, retained: number) {
  if (typeof window === "undefined") return;
  const w = window as unknown as { __fleetLogs?: LogCounters };
  const c = (w.__fleetLogs ??= { received: 0, retained: 0 });
  c.received += lines;
  c.retained = retained;
}

/** A fixed-size ring: pushing past capacity drops the oldest. */
class Ring<T> {
  private buf: Array<T | undefined>;
  private start = 0;
  size = 0;
  constructor(readonly capacity: number) {
    this.buf = new Array<T | undefined>(capacity);
  }
  /** Adds at the end; returns whether the oldest fell off. */
  push(x: T): boolean {
    if (this.size < this.capacity) {
      this.buf[(this.start + this.size++) % this.capacity] = x;
      return false;
    }
    this.buf[this.start] = x;
    this.start = (this.start + 1) % this.capacity;
    return true;
  }
  at(i: number): T {
    return this.buf[(this.start + i) % this.capacity] as T;
  }
  clear() {
    this.buf = new Array<T | undefined>(this.capacity);
    this.start = 0;
    this.size = 0;
  }
}

/**
 * The received window of a log stream, outside React: batches are appended as they arrive and
 * subscribers hear about them at most once per animation frame. While paused, new records wait in
 * a second ring so the view does not move; "jump to end" moves them in.
 */
export class LogStore {
  private ring: Ring<LogEntry>;
  private waiting: Ring<LogEntry>;
  private nextSeq = 0;
  /** Records that fell off the window since the stream began. */
  dropped = 0;
  /** Records that arrived while paused (may exceed what `waiting` holds). */
  pendingCount = 0;
  following = true;
  private lastByWorker = new Map<string, LogEntry>();
  private names = new Map<string, string>();
  private workerStates = new Map<string, LogStatus["state"]>();
  private filter: CompiledFilter | null = null;
  /** Seqs passing the filter, oldest first; `matchHead` skips those already off the window. */
  private matches: number[] = [];
  private matchHead = 0;
  /** The newest seq of a record with continuation lines: older than the window means every row is one line. */
  private lastMultiSeq = -1;
  version = 0;
  private listeners = new Set<() => void>();
  private frame: number | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastEmit = 0;
  private sinceEmit = 0;
  /** Lines per second, smoothed over the last renders. */
  private rate = 0;

  constructor(readonly capacity = LOG_CAPACITY) {
    this.ring = new Ring(capacity);
    this.waiting = new Ring(capacity);
  }

  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };
  getVersion = () => this.version;
  /** What the viewer around the list depends on: following, empty or not, filtered to nothing, wrapped around. */
  getShape = () => `${this.following}|${this.ring.size > 0}|${this.length > 0}|${this.dropped > 0}`;

  /** Appends one batch, in the order the server merged it. */
  append(lines: LogLine[]) {
    for (const l of lines) {
      const prev = this.lastByWorker.get(l.worker);
      if (prev && prev.kind === "line" && isContinuation(l.text)) {
        if ((prev.more ??= []).length < MAX_CONTINUATION) prev.more.push(l.text);
        else prev.moreDropped++;
        if (prev.seq > this.lastMultiSeq) this.lastMultiSeq = prev.seq;
        continue;
      }
      const e = new LogEntry("line", l.ts, this.intern(l.worker), this.intern(l.stream) as LogLine["stream"], l.text, l.node ? this.intern(l.node) : null);
      this.lastByWorker.set(e.worker, e);
      this.admit(e);
    }
    countBatch(lines.length, this.ring.size);
    this.sinceEmit += lines.length;
    this.schedule();
  }

  /** Shows what a worker's stream is doing (stopped, restarted…) in line with its records. */
  appendStatus(s: LogStatus) {
    const before = this.workerStates.get(s.worker);
    this.workerStates.set(s.worker, s.state);
    // "streaming" is news only after a stop, restart or error.
    if (s.state === "streaming" && (before === undefined || before === "streaming")) return;
    const said = s.state === "streaming" ? "streaming again" : s.state;
    const text = `${s.worker} ${said}${s.message ? `: ${s.message}` : ""}`;
    const e = new LogEntry("status", new Date().toISOString(), this.intern(s.worker), "status", text, s.node ? this.intern(s.node) : null);
    this.lastByWorker.delete(s.worker);
    this.admit(e);
    this.schedule();
  }

  /** One string per worker name (and stream name), not one per line. */
  private intern(worker: string): string {
    let w = this.names.get(worker);
    if (w === undefined) this.names.set(worker, (w = worker));
    return w;
  }

  private admit(e: LogEntry) {
    if (this.following) this.place(e);
    else {
      this.waiting.push(e);
      this.pendingCount++;
    }
  }

  private place(e: LogEntry) {
    e.seq = this.nextSeq++;
    if (e.more) this.lastMultiSeq = e.seq;
    if (this.ring.push(e)) {
      this.dropped++;
      const oldest = this.ring.at(0).seq;
      while (this.matchHead < this.matches.length && this.matches[this.matchHead] < oldest) this.matchHead++;
      if (this.matchHead > 4096 && this.matchHead * 2 > this.matches.length) {
        this.matches = this.matches.slice(this.matchHead);
        this.matchHead = 0;
      }
    }
    if (this.filter?.test && this.filter.test(e)) this.matches.push(e.seq);
  }

  /** Pause keeps the view still; follow moves the waiting records in and sticks to the end. */
  setFollowing(on: boolean) {
    if (on === this.following) return;
    this.following = on;
    if (on) {
      for (let i = 0; i < this.waiting.size; i++) this.place(this.waiting.at(i));
      this.waiting.clear();
      this.pendingCount = 0;
    }
    this.schedule(true);
  }

  /** Filters the window (recomputed in full once, then kept up as records arrive). */
  setFilter(f: CompiledFilter | null) {
    this.filter = f;
    this.matches = [];
    this.matchHead = 0;
    if (f?.test) {
      for (let i = 0; i < this.ring.size; i++) {
        const e = this.ring.at(i);
        if (f.test(e)) this.matches.push(e.seq);
      }
    }
    this.schedule(true);
  }

  /** Forgets everything (a new selection of processes). */
  reset() {
    this.ring.clear();
    this.waiting.clear();
    this.lastByWorker.clear();
    this.workerStates.clear();
    this.matches = [];
    this.matchHead = 0;
    this.lastMultiSeq = -1;
    this.dropped = 0;
    this.pendingCount = 0;
    this.schedule(true);
  }

  /** How many records the current view shows (filtered or not). */
  get length(): number {
    return this.filter?.test ? this.matches.length - this.matchHead : this.ring.size;
  }
  get windowSize(): number {
    return this.ring.size;
  }

  /** True when every record in the window is one line: row i then starts at line i. */
  get singleLine(): boolean {
    return this.ring.size === 0 || this.lastMultiSeq < this.ring.at(0).seq;
  }

  /** The i-th record of the current view, oldest first. */
  at(i: number): LogEntry {
    if (!this.filter?.test) return this.ring.at(i);
    const seq = this.matches[this.matchHead + i];
    return this.ring.at(seq - this.ring.at(0).seq);
  }

  private schedule(now = false) {
    if (now || typeof requestAnimationFrame === "undefined") {
      this.cancel();
      this.emit();
      return;
    }
    if (this.frame !== null || this.timer !== null) return;
    const spacing = Math.min(MAX_RENDER_SPACING_MS, (this.rate / 1000) * RENDER_SPACING_MS_PER_KLINES);
    const wait = this.lastEmit + spacing - performance.now();
    const onFrame = () => {
      this.frame = null;
      this.emit();
    };
    if (wait <= 0) this.frame = requestAnimationFrame(onFrame);
    else
      this.timer = setTimeout(() => {
        this.timer = null;
        this.frame = requestAnimationFrame(onFrame);
      }, wait);
  }

  private cancel() {
    if (this.frame !== null && typeof cancelAnimationFrame !== "undefined") cancelAnimationFrame(this.frame);
    if (this.timer !== null) clearTimeout(this.timer);
    this.frame = null;
    this.timer = null;
  }

  private emit() {
    const now = typeof performance === "undefined" ? Date.now() : performance.now();
    if (now > this.lastEmit) this.rate = 0.5 * this.rate + (0.5 * this.sinceEmit * 1000) / (now - this.lastEmit);
    this.lastEmit = now;
    this.sinceEmit = 0;
    this.version++;
    for (const fn of this.listeners) fn();
  }

  dispose() {
    this.cancel();
    this.listeners.clear();
  }
}
