import "server-only";
import type { LogLine, LogStatus } from "@/lib/contract/logs";
import { containerRunning, openContainerLogs, type ContainerLogStream, type RawLogLine } from "@/lib/docker/logs";
import { openFileLogs } from "./file-tail";
import type { LogTarget } from "./resolve";
import type { LineMatcher } from "./search";
import { engineSeconds } from "./time";

export interface SourceSink {
  lines(worker: string, lines: LogLine[]): void;
  status(status: LogStatus): void;
}

export interface SourceOptions {
  /** Lines before following, on the first open only. */
  tail: number;
  /** Fixed-width ts bounds (inclusive). */
  since?: string;
  until?: string;
  /** Resume point: only lines strictly after this ts (Last-Event-ID). */
  after?: string | null;
  matcher: LineMatcher | null;
}

/** More reopenings than this within REOPEN_WINDOW_MS means the log cannot be followed: say so and wait for a start. */
const MAX_QUICK_REOPENS = 5;
const REOPEN_WINDOW_MS = 10_000;

/**
 * One worker's live log, under its worker name whatever container runs it: when the container
 * stops the source says "stopped"; when it (or a container recreated for the worker) starts,
 * the source reopens after the last line it saw and says "restarted" — no line twice, none lost.
 */
export class WorkerLogSource {
  /** Newest ts this source has seen (matched or not): where a reopen continues. */
  lastTs: string | null;
  private handle: ContainerLogStream | null = null;
  private opening = false;
  private closed = false;
  private paused = false;
  private opened = 0;
  private reopens: number[] = [];

  constructor(
    readonly target: LogTarget,
    private readonly opts: SourceOptions,
    private readonly sink: SourceSink,
  ) {
    this.lastTs = opts.after ?? null;
  }

  get worker(): string {
    return this.target.worker;
  }

  get containerId(): string | null {
    return this.target.containerId;
  }

  start(): void {
    if (this.target.destination.kind === "console" && this.target.destination.note) {
      this.sink.status({ worker: this.worker, state: "streaming", message: this.target.destination.note });
    }
    void this.open();
  }

  /** The engine says this source's container started (again). */
  containerStarted(): void {
    if (!this.handle && !this.opening && !this.closed) void this.open();
  }

  /** The worker now runs in another container (recreated by a lifecycle operation). */
  switchContainer(containerId: string): void {
    if (this.closed || containerId === this.target.containerId) return;
    this.target.containerId = containerId;
    this.handle?.close(); // its end handler finds the new container running and reopens
    if (!this.handle && !this.opening) void this.open();
  }

  pause(): void {
    this.paused = true;
    this.handle?.pause();
  }

  resume(): void {
    this.paused = false;
    this.handle?.resume();
  }

  close(): void {
    this.closed = true;
    this.handle?.close();
    this.handle = null;
  }

  private async open(): Promise<void> {
    if (this.closed) return;
    const id = this.target.containerId;
    if (this.target.destination.kind === "console" && !id) {
      this.sink.status({ worker: this.worker, state: "stopped", message: "no container runs this worker" });
      return;
    }
    this.opening = true;
    const first = this.opened === 0;
    const resumeFrom = this.lastTs ?? this.opts.since;
    const tail = first && !this.opts.after ? this.opts.tail : undefined;
    try {
      const onLines = (raw: RawLogLine[]) => this.accept(raw);
      this.handle =
        this.target.destination.kind === "file"
          ? await openFileLogs(this.target.destination.path, { follow: true, tail: this.lastTs ? undefined : tail, since: this.opts.since, until: this.opts.until }, onLines)
          : await openContainerLogs(id!, { follow: true, tail, since: resumeFrom ? engineSeconds(resumeFrom) : undefined, until: this.opts.until ? engineSeconds(this.opts.until) : undefined }, onLines);
    } catch (err) {
      this.opening = false;
      this.sink.status({ worker: this.worker, state: "error", message: (err as Error).message });
      return;
    }
    this.opening = false;
    this.opened++;
    if (this.closed) {
      this.handle.close();
      return;
    }
    if (this.paused) this.handle.pause();
    this.sink.status({ worker: this.worker, state: first ? "streaming" : "restarted" });
    const handle = this.handle;
    void handle.done.then(() => this.ended(handle, id));
  }

  private async ended(handle: ContainerLogStream, id: string | null): Promise<void> {
    if (this.handle === handle) this.handle = null;
    if (this.closed) return;
    if (this.opts.until && this.lastTs && this.lastTs >= this.opts.until) return;
    // Said at once, before any await: the engine's start event may reopen the stream meanwhile,
    // and a stream that ended always means the container stopped, even if it is already back.
    this.sink.status({ worker: this.worker, state: "stopped" });
    const now = Date.now();
    this.reopens = this.reopens.filter((t) => now - t < REOPEN_WINDOW_MS);
    let running = false;
    try {
      running = this.target.containerId !== null && (this.target.containerId !== id || (await containerRunning(this.target.containerId)));
    } catch (err) {
      this.sink.status({ worker: this.worker, state: "error", message: (err as Error).message });
      return;
    }
    if (this.closed || this.handle || this.opening) return;
    if (running && this.reopens.length < MAX_QUICK_REOPENS) {
      this.reopens.push(now);
      void this.open();
    } else if (running) {
      this.sink.status({ worker: this.worker, state: "error", message: "the log stream keeps ending while the container runs; waiting for its next start" });
    }
  }

  private accept(raw: RawLogLine[]): void {
    if (this.closed) return;
    const after = this.lastTs;
    const { since, until, matcher } = this.opts;
    const stream = this.target.destination.kind === "file" ? "file" : null;
    const out: LogLine[] = [];
    for (const l of raw) {
      if (after !== null && l.ts <= after) continue; // seen before a reopen or a reconnect
      if (since && l.ts < since) continue;
      if (until && l.ts > until) continue;
      this.lastTs = l.ts;
      if (matcher && !matcher(l.text)) continue;
      out.push({ ts: l.ts, worker: this.worker, stream: stream ?? l.stream, text: l.text });
    }
    if (out.length > 0) this.sink.lines(this.worker, out);
  }
}
