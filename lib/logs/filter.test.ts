import { describe, expect, it } from "vitest";
import { compileFilter, type LogFilterSpec } from "@/components/logs/filter";
import { LogEntry } from "@/components/logs/logStore";
import { adversarialLines, CATASTROPHIC_PATTERNS, synapseLogLines } from "./synapse-lines.fixture";

// A backtracking engine would not return on these lines for minutes; RE2 takes 5-40 ms (the 100 ms
// target is a figure of `npm run bench regex`). A bound of a second tells the two apart on a loaded machine.
const FREEZE_MS = 1_000;

// The browser's filter (components/logs/filter.ts), tested here because vitest reads lib/** only.
const spec = (text: string, regex = true, extra: Partial<LogFilterSpec> = {}): LogFilterSpec => ({
  minLevel: null,
  text,
  regex,
  request: null,
  hiddenWorkers: new Set(),
  ...extra,
});

const entries = [...synapseLogLines(10_000), ...adversarialLines()].map(
  (text, i) => new LogEntry("line", `2026-12-01T09:00:${String(i % 60).padStart(2, "0")}.000000000Z`, i % 2 ? "main" : "generic_worker1", "stderr", text),
);

describe("compileFilter (browser)", () => {
  it("runs every catastrophic pattern over 10k entries without freezing, on the server's engine", () => {
    for (const pattern of CATASTROPHIC_PATTERNS) {
      const started = performance.now();
      const filter = compileFilter(spec(pattern));
      expect(filter.error, pattern).toBeNull();
      const shown = entries.filter(filter.test!).length;
      const ms = performance.now() - started;
      expect(ms, `${pattern}: ${ms.toFixed(1)} ms, ${shown} shown`).toBeLessThan(FREEZE_MS);
    }
  });

  it("searches a record's continuation lines too", () => {
    const e = new LogEntry("line", "2026-12-01T09:00:00.000000000Z", "main", "stderr", "2026-12-01 09:00:00,000 - synapse.http.server - 131 - ERROR - GET-1 - Failed");
    e.more = ["Traceback (most recent call last):", "twisted.internet.error.ConnectionRefusedError: refused"];
    expect(compileFilter(spec("connectionrefused")).test!(e)).toBe(true);
    expect(compileFilter(spec("^Traceback", false)).test!(e)).toBe(false);
  });

  it("reports a pattern the engine cannot take instead of throwing, and filters the rest", () => {
    for (const [pattern, reason] of [["(a)\\1", /backreference/], ["(?=a)", /lookahead/], ["(?<=a)b", /lookbehind/], ["versions([", /^Invalid regular expression: missing closing \]/], ["a".repeat(600), /limit is 512/]] as const) {
      const filter = compileFilter(spec(pattern, true, { minLevel: "ERROR" }));
      expect(filter.error, pattern).toMatch(reason);
      const shown = entries.filter(filter.test!);
      expect(shown.length).toBeGreaterThan(0);
      expect(shown.every((e) => e.parsed === null || e.parsed.level === "ERROR" || e.parsed.level === "CRITICAL")).toBe(true);
    }
    expect(compileFilter(spec("(a)\\1"))).toEqual({ test: null, error: expect.stringMatching(/backreference/) });
  });

  it("keeps ordinary searches: case-insensitive regex and plain text", () => {
    const count = (s: LogFilterSpec) => entries.filter(compileFilter(s).test!).length;
    const native = entries.filter((e) => /error|warning/i.test(e.text)).length;
    expect(native).toBeGreaterThan(0);
    expect(count(spec("ERROR|WARNING"))).toBe(native);
    expect(count(spec("error|warning"))).toBe(native);
    expect(count(spec("GET-", false))).toBe(entries.filter((e) => e.text.toLowerCase().includes("get-")).length);
  });
});
