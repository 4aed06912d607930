import "server-only";
import type { LogLine, LogStatus } from "@/lib/contract/logs";
import type { ContainerLogOptions, ContainerLogStream, RawLogLine } from "@/lib/docker/logs";
import { currentTaskOf, openTaskLogs, type ServiceTask, type TaskRef } from "@/lib/docker/swarm/task-logs";
import { backoffDelay, DEFAULT_TASK_TIMING, stalled, type TaskSourceTiming } from "./task-watch";
import { engineSeconds } from "./time";
import type { LogTarget } from "./resolve";
import type { SourceOptions, SourceSink } from "./worker-source";

/** What a task source needs from the swarm: injected so a unit test can play a stalling stream. */
export interface TaskLogDeps {
  currentTask(serviceId: string): Promise<ServiceTask | null>;
  open(task: TaskRef, opts: ContainerLogOptions, onLines: (lines: RawLogLine[]) => void, onSystem: (message: string) => void): Promise<ContainerLogStream>;
}

const swarmDeps: TaskLogDeps = { currentTask: (id) => currentTaskOf(id), open: openTaskLogs };

/**
 * One worker's live log on a swarm (issue #15 §5): it follows the service's current task, on
 * whichever node, and moves to the next task when Swarm replaces it (an update, a drain, a
 * failure), reading on after the last line it has. A stream that stalls (moby/moby#33183), a node
 * that is not available and an engine that refuses are this source's error; it then reopens after
 * its last line, with a growing delay. Which task is current is re-checked every `checkMs` from
 * one shared manager listing: the manager sends no task events.
 */
export class TaskLogSource {
  /** Newest ts seen (matched or not): where a reopen continues. */
  lastTs: string | null;
  private handle: ContainerLogStream | null = null;
  private task: TaskRef | null = null;
  private busy = false;
  private closed = false;
  private paused = false;
  private opened = 0;
  private failures = 0;
  private retry: NodeJS.Timeout | null = null;
  private tick: NodeJS.Timeout | null = null;
  private lastDataAt = 0;
  private probing = false;
  /** A ts the probe found past `lastTs` while the stream was silent: not delivered by the next tick means stalled. */
  private suspect: string | null = null;
  private said = "";

  constructor(
    readonly target: LogTarget & { swarm: NonNullable<LogTarget["swarm"]> },
    private readonly opts: SourceOptions,
    private readonly sink: SourceSink,
    private readonly deps: TaskLogDeps = swarmDeps,
    private readonly timing: TaskSourceTiming = DEFAULT_TASK_TIMING,
  ) {
    this.lastTs = opts.after ?? null;
  }

  get worker(): string {
    return this.target.worker;
  }

  start(): void {
    this.tick = setInterval(() => this.check(), this.timing.checkMs);
    void this.reconcile();
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
    if (this.tick) clearInterval(this.tick);
    if (this.retry) clearTimeout(this.retry);
    this.handle?.close();
    this.handle = null;
  }

  /** Says a status once: a check that finds the same stop or error every 2 s stays quiet. */
  private say(state: LogStatus["state"], message?: string): void {
    const key = `${state}|${message ?? ""}`;
    if (key === this.said && (state === "stopped" || state === "error")) return;
    this.said = key;
    const node = this.task?.node ?? this.target.swarm.node;
    this.sink.status({ worker: this.worker, state, ...(message ? { message } : {}), ...(node ? { node } : {}) });
  }

  /** Drops the stream on purpose (its end is then not reported again) and tries again after the backoff. */
  private dropAndRetry(): void {
    const h = this.handle;
    this.handle = null;
    h?.close();
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retry) return;
    const delay = backoffDelay(this.failures++, this.timing);
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.reconcile();
    }, delay);
  }

  private check(): void {
    if (this.closed) return;
    if (this.handle && stalled({ lastTs: this.lastTs, suspect: this.suspect }) === "stalled") {
      this.say("error", `no line for ${Math.round((Date.now() - this.lastDataAt) / 1000)} s while the task logged more (a stalled Swarm log stream, moby/moby#33183): reopening after ${this.lastTs}`);
      this.suspect = null;
      this.dropAndRetry();
      return;
    }
    if (this.handle && !this.probing && this.lastTs && Date.now() - this.lastDataAt >= this.timing.quietMs) void this.probe();
    if (!this.retry) void this.reconcile();
  }

  /** A silent stream: does the task have lines after ours? One bounded, non-follow read of the newest line. */
  private async probe(): Promise<void> {
    const task = this.task;
    const after = this.lastTs;
    if (!task || !after) return;
    this.probing = true;
    let newest = null as string | null;
    try {
      const h = await this.deps.open(task, { follow: false, tail: 1, since: engineSeconds(after) }, (raw) => {
        for (const l of raw) if (l.ts > after && (!newest || l.ts > newest)) newest = l.ts;
      }, () => {});
      await h.done;
    } catch {
      // The follow stream's own check (the manager's answer, the next reopen) says what is wrong.
    } finally {
      this.probing = false;
    }
    if (this.closed || this.task !== task) return;
    this.lastDataAt = Date.now(); // at most one probe per quiet period
    if (newest && (!this.lastTs || newest > this.lastTs)) this.suspect = newest;
  }

  /** The one place that decides: which task is current, and whether to open, move or wait. */
  private async reconcile(): Promise<void> {
    if (this.closed || this.busy) return;
    this.busy = true;
    try {
      let cur: ServiceTask | null;
      try {
        cur = await this.deps.currentTask(this.target.swarm.serviceId);
      } catch (err) {
        this.say("error", (err as Error).message);
        this.scheduleRetry();
        return;
      }
      if (this.closed) return;
      const task = cur?.task ?? null;
      if (this.handle && task && this.task && task.id !== this.task.id && cur!.state === "running") {
        this.handle.close(); // replaced while its stream stayed open (start-first, or a stream that never ended)
        this.handle = null;
      }
      if (this.handle && task && task.id === this.task?.id && task.nodeState && task.nodeState !== "ready") {
        this.say("error", nodeAway(task));
        this.dropAndRetry();
        return;
      }
      if (this.handle) return;
      if (!cur) return this.say("stopped", "the service is gone");
      if (cur.state !== "running" || !task) return this.say("stopped", waitingFor(cur));
      if (task.nodeState && task.nodeState !== "ready") {
        this.say("error", nodeAway(task));
        return;
      }
      await this.open(task);
    } finally {
      this.busy = false;
    }
  }

  private async open(task: TaskRef): Promise<void> {
    const first = this.opened === 0;
    const from = this.lastTs ?? this.opts.since;
    const tail = first && !this.opts.after ? this.opts.tail : undefined;
    const h: ContainerLogStream | null = await this.deps
      .open(
        task,
        { follow: true, tail, since: from ? engineSeconds(from) : undefined },
        (raw) => this.accept(raw, task.node),
        (message) => this.systemError(h, message),
      )
      .catch((err: unknown) => {
        this.say("error", `${task.node ? `${task.node}: ` : ""}${(err as Error).message}`);
        this.scheduleRetry();
        return null;
      });
    if (!h) return;
    if (this.closed) return h.close();
    const moved = this.task !== null && this.task.id !== task.id;
    this.task = task;
    this.handle = h;
    this.opened++;
    this.lastDataAt = Date.now();
    this.suspect = null;
    if (this.paused) h.pause();
    const note = this.target.destination.kind === "console" ? this.target.destination.note : undefined;
    this.say(first ? "streaming" : "restarted", moved ? `now task ${task.id.slice(0, 12)} on ${task.node ?? "an unknown node"}` : first ? note : undefined);
    void h.done.then(() => this.ended(h));
  }

  /** The engine's own error in the stream (a Swarm log stream's "node … is not available"). */
  private systemError(h: ContainerLogStream | null, message: string): void {
    if (this.closed || !h || this.handle !== h) return;
    this.say("error", message);
    this.dropAndRetry();
  }

  private ended(h: ContainerLogStream): void {
    if (this.handle !== h || this.closed) return; // closed on purpose: whoever closed it decides
    this.handle = null;
    if (this.opts.until && this.lastTs && this.lastTs >= this.opts.until) return;
    this.say("stopped");
    this.scheduleRetry();
  }

  private accept(raw: RawLogLine[], node: string | null): void {
    if (this.closed) return;
    this.lastDataAt = Date.now();
    const after = this.lastTs;
    const { since, until, matcher } = this.opts;
    const out: LogLine[] = [];
    for (const l of raw) {
      if (after !== null && l.ts <= after) continue; // seen before a reopen or a reconnect
      if (since && l.ts < since) continue;
      if (until && l.ts > until) continue; // the manager's task log ignores `until`
      this.lastTs = l.ts;
      if (matcher && !matcher(l.text)) continue;
      // One object shape per line, no spread: this runs for every line of a fast worker.
      out.push(node ? { ts: l.ts, worker: this.worker, stream: l.stream, text: l.text, node } : { ts: l.ts, worker: this.worker, stream: l.stream, text: l.text });
    }
    if (this.lastTs !== after) {
      this.failures = 0; // new lines: the stream works, the next trouble starts the backoff again
      if (this.suspect && this.lastTs! >= this.suspect) this.suspect = null;
    }
    if (out.length > 0) this.sink.lines(this.worker, out);
  }
}

function nodeAway(t: TaskRef): string {
  return `node ${t.node ?? "(unknown)"} is ${t.nodeState}: its log is read again once the node is back or Swarm moves the task`;
}

function waitingFor(cur: ServiceTask): string {
  if (!cur.task) return cur.state === "exited" || cur.state === "created" ? "the service runs no task (0 replicas)" : "waiting for Swarm to place a task";
  const t = cur.task;
  const where = t.node ? ` on ${t.node}` : "";
  return `task ${t.id.slice(0, 12)}${where} is ${t.state}${t.error ? `: ${t.error}` : ""}`;
}
