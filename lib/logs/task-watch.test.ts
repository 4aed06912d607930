import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_TASK_TIMING, stalled } from "./task-watch";

const ts = (s: number) => `2026-12-01T10:00:${String(s).padStart(2, "0")}.000000000Z`;

describe("backoffDelay", () => {
  it("doubles from the first delay and stops at the cap", () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, DEFAULT_TASK_TIMING))).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000]);
    expect(backoffDelay(10_000, DEFAULT_TASK_TIMING)).toBe(15_000);
    expect(backoffDelay(-3, DEFAULT_TASK_TIMING)).toBe(500);
  });
});

describe("stalled", () => {
  it("is never said of silence alone", () => {
    expect(stalled({ lastTs: ts(1), suspect: null })).toBe("ok");
    expect(stalled({ lastTs: null, suspect: null })).toBe("ok");
  });
  it("is said when a line the task wrote is still not delivered a check later", () => {
    expect(stalled({ lastTs: ts(1), suspect: ts(2) })).toBe("stalled");
    expect(stalled({ lastTs: null, suspect: ts(2) })).toBe("stalled");
  });
  it("is not said once the stream caught up with the probe's line", () => {
    expect(stalled({ lastTs: ts(2), suspect: ts(2) })).toBe("ok");
    expect(stalled({ lastTs: ts(3), suspect: ts(2) })).toBe("ok");
  });
});
