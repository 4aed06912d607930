import { describe, expect, it } from "vitest";
import type { LogLine } from "@/lib/contract/logs";
import { compileFilter } from "./filter";
import { LOG_CAPACITY, LogStore, MAX_CONTINUATION, type LogEntry } from "./logStore";

// Without requestAnimationFrame (node) the store tells its listeners at once; render spacing is
// tested with a fake clock in logStore.spacing.test.ts.

/** A line as Synapse's default log config writes it, numbered so a test can tell records apart. */
function synapse(n: number, worker = "generic_worker1", message = `request n=${n};`): LogLine {
  return { ts: `2026-01-01T00:00:00.${String(n).padStart(9, "0")}Z`, worker, stream: "stderr", text: `2026-01-01 00:00:00,000 - synapse.access.http.8008 - 473 - INFO - GET-${n} - ${message}` };
}

const raw = (text: string, worker = "generic_worker1"): LogLine => ({ ts: "2026-01-01T00:00:01.000000000Z", worker, stream: "stderr", text });

const TRACEBACK = ["Traceback (most recent call last):", '  File "/usr/local/lib/python3.12/site-packages/synapse/http/server.py", line 332, in _async_render_wrapper', "    callback_return = await self._async_render(request)", "KeyError: 'room_id'"];

const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => synapse(from + i));
const view = (s: LogStore): LogEntry[] => Array.from({ length: s.length }, (_, i) => s.at(i));
const numbers = (s: LogStore) => view(s).map((e) => Number(/n=(\d+);/.exec(e.text)?.[1] ?? NaN));

describe("the ring of received records", () => {
  it("holds 100,000 records and drops the oldest, never the newest", () => {
    const s = new LogStore();
    expect(s.capacity).toBe(LOG_CAPACITY);
    expect(LOG_CAPACITY).toBe(100_000);
    for (let from = 0; from < LOG_CAPACITY + 1_500; from += 500) s.append(lines(from, from + 500));
    expect(s.windowSize).toBe(LOG_CAPACITY);
    expect(s.length).toBe(LOG_CAPACITY);
    expect(s.dropped).toBe(1_500);
    expect(s.at(0).text).toContain("n=1500;");
    expect(s.at(LOG_CAPACITY - 1).text).toContain(`n=${LOG_CAPACITY + 1_499};`);
    // Still in arrival order across the wrap-around point.
    expect(s.at(LOG_CAPACITY - 1).seq - s.at(0).seq).toBe(LOG_CAPACITY - 1);
    expect(s.getShape()).toBe("true|true|true|true");
  });

  it("keeps arrival order through many wrap-arounds of a small ring", () => {
    const s = new LogStore(7);
    for (let n = 0; n < 100; n += 3) s.append(lines(n, n + 3));
    expect(numbers(s)).toEqual([95, 96, 97, 98, 99, 100, 101]);
    expect(s.dropped).toBe(102 - 7);
  });

  it("forgets everything on reset", () => {
    const s = new LogStore(3);
    s.append(lines(0, 5));
    s.reset();
    expect([s.windowSize, s.length, s.dropped, s.pendingCount]).toEqual([0, 0, 0, 0]);
    s.append(lines(10, 11));
    expect(numbers(s)).toEqual([10]);
  });
});

describe("stack-trace grouping", () => {
  it("joins a Traceback's lines to the record they follow, not to the next one", () => {
    const s = new LogStore();
    s.append([synapse(1), synapse(2, "generic_worker1", "Failed handle request n=2;"), ...TRACEBACK.map((t) => raw(t)), synapse(3)]);
    expect(numbers(s)).toEqual([1, 2, 3]);
    expect(s.at(0).more).toBeNull();
    expect(s.at(1).more).toEqual(TRACEBACK);
    expect(s.at(2).more).toBeNull();
    expect(s.singleLine).toBe(false);
  });

  it("joins continuation lines to their own worker's record when workers interleave, across batches", () => {
    const s = new LogStore();
    s.append([synapse(1, "generic_worker1"), synapse(2, "media_worker")]);
    s.append([raw(TRACEBACK[0], "generic_worker1"), raw("  continued", "media_worker"), raw(TRACEBACK[3], "generic_worker1")]);
    expect(view(s).map((e) => [e.worker, e.more])).toEqual([
      ["generic_worker1", [TRACEBACK[0], TRACEBACK[3]]],
      ["media_worker", ["  continued"]],
    ]);
  });

  it("shows a continuation with no record of its worker before it as a record of its own", () => {
    const s = new LogStore();
    s.append([synapse(1, "media_worker"), raw("  orphan line", "generic_worker1")]);
    expect(view(s).map((e) => [e.worker, e.text, e.more])).toEqual([
      ["media_worker", synapse(1, "media_worker").text, null],
      ["generic_worker1", "  orphan line", null],
    ]);
  });

  it("does not join lines across a status row: a restarted worker's first line is not the old record's", () => {
    const s = new LogStore();
    s.append([synapse(1)]);
    s.appendStatus({ worker: "generic_worker1", state: "restarted" });
    s.append([raw("  first line after the restart")]);
    expect(view(s).map((e) => e.kind)).toEqual(["line", "status", "line"]);
    expect(s.at(0).more).toBeNull();
  });

  it("keeps a runaway record's first lines and counts the rest", () => {
    const s = new LogStore();
    const extra = 25;
    s.append([synapse(1), ...Array.from({ length: MAX_CONTINUATION + extra }, (_, i) => raw(`  frame ${i}`)), synapse(2)]);
    expect(s.length).toBe(2);
    expect(s.at(0).more).toHaveLength(MAX_CONTINUATION);
    expect(s.at(0).more!.at(-1)).toBe(`  frame ${MAX_CONTINUATION - 1}`);
    expect(s.at(0).moreDropped).toBe(extra);
  });

  it("reports every row as one line once the last multi-line record has left the window", () => {
    const s = new LogStore(3);
    s.append([synapse(1), ...TRACEBACK.map((t) => raw(t)), synapse(2), synapse(3)]);
    expect(s.singleLine).toBe(false);
    s.append([synapse(4)]);
    expect(numbers(s)).toEqual([2, 3, 4]);
    expect(s.singleLine).toBe(true);
  });

  it("parses a record's header when asked, and never a status row's", () => {
    const s = new LogStore();
    s.append([synapse(7)]);
    s.appendStatus({ worker: "generic_worker1", state: "stopped", message: "exit code 137" });
    expect(s.at(0).parsed).toMatchObject({ logger: "synapse.access.http.8008", level: "INFO", request: "GET-7", lineno: 473 });
    expect(s.at(1)).toMatchObject({ kind: "status", text: "generic_worker1 stopped: exit code 137", parsed: null });
  });
});

describe("status rows", () => {
  it("says when a stream stops and when it streams again, not when it first starts", () => {
    const s = new LogStore();
    s.appendStatus({ worker: "media_worker", state: "streaming" });
    expect(s.windowSize).toBe(0);
    s.appendStatus({ worker: "media_worker", state: "stopped" });
    s.appendStatus({ worker: "media_worker", state: "streaming" });
    s.appendStatus({ worker: "media_worker", state: "streaming" });
    expect(view(s).map((e) => e.text)).toEqual(["media_worker stopped", "media_worker streaming again"]);
  });

  it("keeps the Swarm node of each line and status, and none outside a swarm", () => {
    const s = new LogStore();
    s.append([{ ...synapse(1, "federation_sender1"), node: "node3" }, synapse(2, "main")]);
    s.appendStatus({ worker: "generic_worker1", state: "restarted", message: "now task abc on node3", node: "node3" });
    expect(view(s).map((e) => [e.worker, e.node])).toEqual([
      ["federation_sender1", "node3"],
      ["main", null],
      ["generic_worker1", "node3"],
    ]);
  });
});

describe("pause and follow", () => {
  it("holds the view while paused, counts what arrives, and moves it in on follow", () => {
    const s = new LogStore(5);
    s.append(lines(0, 2));
    s.setFollowing(false);
    s.append(lines(2, 6));
    expect(numbers(s)).toEqual([0, 1]);
    expect(s.pendingCount).toBe(4);
    s.setFollowing(true);
    expect(numbers(s)).toEqual([1, 2, 3, 4, 5]);
    expect(s.pendingCount).toBe(0);
  });

  it("counts every line that arrived while paused even when more arrived than the window holds", () => {
    const s = new LogStore(3);
    s.setFollowing(false);
    s.append(lines(0, 10));
    expect(s.pendingCount).toBe(10);
    s.setFollowing(true);
    expect(numbers(s)).toEqual([7, 8, 9]);
  });
});

describe("filtering the window", () => {
  const keep = compileFilter({ minLevel: null, text: "keep", regex: false, request: null, hiddenWorkers: new Set() });
  const tagged = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => synapse(from + i, "generic_worker1", `${(from + i) % 2 === 0 ? "keep" : "skip"} n=${from + i};`));

  it("shows only matching records, and forgets matches that fell off the ring", () => {
    const s = new LogStore(4);
    s.setFilter(keep);
    s.append(tagged(0, 10));
    expect(s.windowSize).toBe(4);
    expect(numbers(s)).toEqual([6, 8]);
    s.append(tagged(10, 13));
    expect(numbers(s)).toEqual([10, 12]);
  });

  it("filters what is already in the window when set, and shows everything when cleared", () => {
    const s = new LogStore(10);
    s.append(tagged(0, 6));
    s.setFilter(keep);
    expect(numbers(s)).toEqual([0, 2, 4]);
    s.setFilter(null);
    expect(numbers(s)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("matches a search in a record's stack trace, not only its first line", () => {
    const s = new LogStore();
    s.append([synapse(1), synapse(2), ...TRACEBACK.map((t) => raw(t)), synapse(3)]);
    s.setFilter(compileFilter({ minLevel: null, text: "KeyError", regex: false, request: null, hiddenWorkers: new Set() }));
    expect(numbers(s)).toEqual([2]);
  });
});

describe("telling the view", () => {
  it("tells subscribers of every change and stops when they unsubscribe", () => {
    const s = new LogStore();
    let calls = 0;
    const off = s.subscribe(() => calls++);
    const v0 = s.getVersion();
    s.append(lines(0, 3));
    s.setFollowing(false);
    expect(calls).toBe(2);
    expect(s.getVersion()).toBe(v0 + 2);
    off();
    s.append(lines(3, 4));
    expect(calls).toBe(2);
  });
});
