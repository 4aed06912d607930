import { describe, expect, it, vi } from "vitest";
import type { LogLine, LogStatus } from "@/lib/contract/logs";
import type { ContainerLogOptions, ContainerLogStream, RawLogLine } from "@/lib/docker/logs";
import type { ServiceTask, TaskRef } from "@/lib/docker/swarm/task-logs";
import { TaskLogSource, type TaskLogDeps } from "./task-source";
import { engineSeconds } from "./time";

const ts = (s: number) => `2026-12-01T10:00:${String(s).padStart(2, "0")}.000000000Z`;
const line = (s: number, text = `line ${s}`): RawLogLine => ({ ts: ts(s), stream: "stdout", text });

function task(id: string, node: string, nodeState = "ready"): TaskRef {
  return { id, serviceId: "svc", node, nodeState, containerId: `c-${id}`, state: "running", error: null, tty: false };
}

/** A follow stream the test drives: it sends what the test says, and ends when told or closed. */
class FakeStream {
  readonly handle: ContainerLogStream;
  closed = false;
  private end!: () => void;
  constructor(
    readonly task: TaskRef,
    readonly opts: ContainerLogOptions,
    readonly send: (lines: RawLogLine[]) => void,
    readonly system: (m: string) => void,
  ) {
    const done = new Promise<void>((r) => (this.end = r));
    this.handle = { close: () => ((this.closed = true), this.end()), pause: () => {}, resume: () => {}, done };
  }
  finish() {
    this.end();
  }
}

/** A swarm whose current task, task logs (all lines each task has written) and failures the test sets. */
function fakeSwarm(initial: ServiceTask) {
  const written = new Map<string, RawLogLine[]>();
  const follows: FakeStream[] = [];
  const probes: ContainerLogOptions[] = [];
  const state = { current: initial as ServiceTask | null, failOpen: null as Error | null, opens: 0 };
  const deps: TaskLogDeps = {
    currentTask: async () => state.current,
    open: async (t, opts, onLines, onSystem) => {
      state.opens++;
      if (state.failOpen) throw state.failOpen;
      const since = opts.since;
      const mine = (written.get(t.id) ?? []).filter((l) => !since || engineSeconds(l.ts) >= since);
      const s = new FakeStream(t, opts, onLines, onSystem);
      if (!opts.follow) {
        probes.push(opts);
        queueMicrotask(() => {
          onLines(mine.slice(-(opts.tail ?? mine.length)));
          s.finish();
        });
        return s.handle;
      }
      follows.push(s);
      queueMicrotask(() => mine.length && onLines(mine));
      return s.handle;
    },
  };
  const write = (taskId: string, lines: RawLogLine[]) => written.set(taskId, [...(written.get(taskId) ?? []), ...lines]);
  return { deps, state, follows, probes, write };
}

function collector() {
  const lines: LogLine[] = [];
  const statuses: LogStatus[] = [];
  return { lines, statuses, sink: { lines: (_w: string, l: LogLine[]) => lines.push(...l), status: (s: LogStatus) => statuses.push(s) } };
}

const target = { worker: "federation_sender1", type: "federation_sender" as const, containerId: "svc", destination: { kind: "console" as const }, swarm: { serviceId: "svc", node: "node3" } };
const opts = { tail: 100, matcher: null };
const fast = { checkMs: 20, quietMs: 60, backoffMs: 10, maxBackoffMs: 80 };

describe("TaskLogSource", () => {
  it("a stalled stream (open, silent, while the task logs on) shows as the source's error and is reopened after its last line, losing and doubling nothing", async () => {
    const t1 = task("t1", "node3");
    const swarm = fakeSwarm({ state: "running", task: t1 });
    swarm.write("t1", [line(1), line(2)]);
    const c = collector();
    const source = new TaskLogSource(target, opts, c.sink, swarm.deps, fast);
    source.start();
    try {
      await vi.waitFor(() => expect(c.lines.map((l) => l.text)).toEqual(["line 1", "line 2"]), { timeout: 5_000 });
      expect(c.lines.every((l) => l.node === "node3")).toBe(true);
      // The task logs on; the open stream delivers none of it (moby/moby#33183).
      swarm.write("t1", [line(3), line(4)]);
      await vi.waitFor(() => expect(c.statuses.some((s) => s.state === "error" && /stalled/.test(s.message ?? ""))).toBe(true), { timeout: 5_000 });
      expect(swarm.probes[0]).toMatchObject({ follow: false, tail: 1, since: engineSeconds(ts(2)) });
      await vi.waitFor(() => expect(c.lines.map((l) => l.text)).toEqual(["line 1", "line 2", "line 3", "line 4"]), { timeout: 5_000 });
      expect(swarm.follows[0].closed).toBe(true);
      expect(swarm.follows[1].opts.since).toBe(engineSeconds(ts(2)));
      expect(c.statuses.at(-1)).toMatchObject({ state: "restarted", node: "node3" });
    } finally {
      source.close();
    }
  });

  it("a quiet stream with nothing more to read is left open: silence alone is not a stall", async () => {
    const swarm = fakeSwarm({ state: "running", task: task("t1", "node3") });
    swarm.write("t1", [line(1)]);
    const c = collector();
    const source = new TaskLogSource(target, opts, c.sink, swarm.deps, fast);
    source.start();
    try {
      await vi.waitFor(() => expect(swarm.probes.length).toBeGreaterThanOrEqual(2), { timeout: 5_000 });
      expect(swarm.follows).toHaveLength(1);
      expect(swarm.follows[0].closed).toBe(false);
      expect(c.statuses.map((s) => s.state)).toEqual(["streaming"]);
    } finally {
      source.close();
    }
  });

  it("moves to the task that replaced the ended one, on its node, and reads on after the last line", async () => {
    const swarm = fakeSwarm({ state: "running", task: task("t1", "node2") });
    swarm.write("t1", [line(1), line(2)]);
    const c = collector();
    const source = new TaskLogSource({ ...target, swarm: { serviceId: "svc", node: "node2" } }, opts, c.sink, swarm.deps, fast);
    source.start();
    try {
      await vi.waitFor(() => expect(c.lines).toHaveLength(2), { timeout: 5_000 });
      swarm.state.current = { state: "created", task: { ...task("t2", "node3"), state: "preparing" } };
      swarm.follows[0].finish(); // the old task's container stopped
      await vi.waitFor(() => expect(c.statuses.some((s) => s.state === "stopped")).toBe(true), { timeout: 5_000 });
      swarm.write("t2", [line(3), line(4)]);
      swarm.state.current = { state: "running", task: task("t2", "node3") };
      await vi.waitFor(() => expect(c.lines.map((l) => `${l.text}@${l.node}`)).toEqual(["line 1@node2", "line 2@node2", "line 3@node3", "line 4@node3"]), { timeout: 5_000 });
      expect(swarm.follows[1].task.id).toBe("t2");
      expect(swarm.follows[1].opts.since).toBe(engineSeconds(ts(2)));
      expect(c.statuses.at(-1)).toMatchObject({ state: "restarted", node: "node3", message: expect.stringContaining("on node3") });
    } finally {
      source.close();
    }
  });

  it("'node is not available' in the stream is the source's error; it reopens after its last line once the node answers", async () => {
    const swarm = fakeSwarm({ state: "running", task: task("t1", "node3") });
    swarm.write("t1", [line(1)]);
    const c = collector();
    const source = new TaskLogSource(target, opts, c.sink, swarm.deps, fast);
    source.start();
    try {
      await vi.waitFor(() => expect(c.lines).toHaveLength(1), { timeout: 5_000 });
      swarm.write("t1", [line(2)]);
      swarm.follows[0].system("Error grabbing logs: rpc error: code = Unknown desc = warning: incomplete log stream. some logs could not be retrieved for the following reasons: node xn416p9id2ci is not available");
      expect(c.statuses.at(-1)).toMatchObject({ state: "error", message: expect.stringContaining("is not available") });
      expect(swarm.follows[0].closed).toBe(true);
      await vi.waitFor(() => expect(c.lines.map((l) => l.text)).toEqual(["line 1", "line 2"]), { timeout: 5_000 });
      expect(swarm.follows[1].opts.since).toBe(engineSeconds(ts(1)));
    } finally {
      source.close();
    }
  });

  it("a node the manager reports down is an error, and the stream is not reopened there until it is ready", async () => {
    const swarm = fakeSwarm({ state: "running", task: task("t1", "node3") });
    const c = collector();
    const source = new TaskLogSource(target, opts, c.sink, swarm.deps, fast);
    source.start();
    try {
      await vi.waitFor(() => expect(swarm.follows).toHaveLength(1), { timeout: 5_000 });
      swarm.state.current = { state: "running", task: task("t1", "node3", "down") };
      await vi.waitFor(() => expect(c.statuses.at(-1)).toMatchObject({ state: "error", message: expect.stringContaining("node3 is down") }), { timeout: 5_000 });
      await new Promise((r) => setTimeout(r, 200));
      expect(swarm.follows).toHaveLength(1);
      expect(c.statuses.filter((s) => s.state === "error")).toHaveLength(1); // said once, not every check
      swarm.state.current = { state: "running", task: task("t1", "node3") };
      await vi.waitFor(() => expect(swarm.follows).toHaveLength(2), { timeout: 5_000 });
    } finally {
      source.close();
    }
  });

  it("an engine that keeps refusing is retried with a growing delay, not in a busy loop", async () => {
    const swarm = fakeSwarm({ state: "running", task: task("t1", "node3") });
    swarm.state.failOpen = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    const c = collector();
    const source = new TaskLogSource(target, opts, c.sink, swarm.deps, { ...fast, backoffMs: 20, maxBackoffMs: 200 });
    source.start();
    await new Promise((r) => setTimeout(r, 1_000));
    source.close();
    // 20+40+80+160+200+200… ms: about 7 attempts in a second (the 20 ms checks do not add any while a retry waits).
    expect(swarm.state.opens).toBeGreaterThanOrEqual(3);
    expect(swarm.state.opens).toBeLessThanOrEqual(15);
    expect(c.statuses.filter((s) => s.state === "error")).toHaveLength(1);
    expect(c.statuses[0].message).toContain("node3: connect ECONNREFUSED");
  });
});
