import { describe, expect, it } from "vitest";
import type { LogLine } from "@/lib/contract/logs";
import { dropUpTo, mergeSorted, ReorderBuffer } from "./merge";

const line = (worker: string, n: number): LogLine => ({ ts: `2026-11-26T18:00:00.${String(n).padStart(9, "0")}Z`, worker, stream: "stdout", text: `${worker} ${n}` });

describe("mergeSorted", () => {
  it("interleaves workers' sorted lines by ts", () => {
    const a = [1, 4, 5].map((n) => line("a", n));
    const b = [2, 3, 6].map((n) => line("b", n));
    expect(mergeSorted([a, b, []]).map((l) => l.text)).toEqual(["a 1", "b 2", "b 3", "a 4", "a 5", "b 6"]);
  });
});

describe("dropUpTo (resume without duplicates)", () => {
  const lines = [1, 2, 3, 4].map((n) => line("a", n));
  it("keeps only lines strictly after the resume point", () => {
    expect(dropUpTo(lines, lines[1].ts).map((l) => l.text)).toEqual(["a 3", "a 4"]);
    expect(dropUpTo(lines, lines[3].ts)).toEqual([]);
    expect(dropUpTo(lines, null)).toBe(lines);
    expect(dropUpTo(lines, "2026-01-01T00:00:00.000000000Z")).toBe(lines);
  });
});

describe("ReorderBuffer", () => {
  it("holds lines for the window, then lets interleaved arrivals out in ts order", () => {
    const buf = new ReorderBuffer(100);
    buf.add("a", [line("a", 1), line("a", 5)], 1000);
    buf.add("b", [line("b", 2), line("b", 3)], 1050); // arrived later, but older than a 5
    expect(buf.take(1080, 100)).toEqual([]);
    expect(buf.take(1100, 100).map((l) => l.text)).toEqual(["a 1", "a 5"]);
    expect(buf.take(1150, 100).map((l) => l.text)).toEqual(["b 2", "b 3"]);
    const buf2 = new ReorderBuffer(100);
    buf2.add("a", [line("a", 1), line("a", 5)], 1000);
    buf2.add("b", [line("b", 2), line("b", 3)], 1050);
    expect(buf2.take(1150, 100).map((l) => l.text)).toEqual(["a 1", "b 2", "b 3", "a 5"]);
    expect(buf2.size).toBe(0);
  });

  it("hands out at most the batch size, keeping the rest in order", () => {
    const buf = new ReorderBuffer(0);
    buf.add("a", [1, 3, 5].map((n) => line("a", n)), 0);
    buf.add("b", [2, 4, 6].map((n) => line("b", n)), 0);
    expect(buf.take(0, 4).map((l) => l.text)).toEqual(["a 1", "b 2", "a 3", "b 4"]);
    expect(buf.size).toBe(2);
    expect(buf.take(0, 4).map((l) => l.text)).toEqual(["a 5", "b 6"]);
  });

  it("flushes everything, window or not, when asked", () => {
    const buf = new ReorderBuffer(100);
    buf.add("a", [line("a", 1)], 1000);
    expect(buf.take(1000, 10, true)).toHaveLength(1);
  });
});
