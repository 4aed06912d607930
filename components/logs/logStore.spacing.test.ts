import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LogLine } from "@/lib/contract/logs";
import { LogStore } from "./logStore";

// How often the store tells React as lines arrive: at most once per frame, and less often as the
// rate climbs (every frame while low, about 10 a second at 10,000 lines/s, 4 a second from 25,000).
// A fake clock drives it: frames every 16 ms, a batch of lines before each frame.

const FRAME_MS = 16;

const line = (n: number): LogLine => ({ ts: `2026-01-01T00:00:00.${String(n).padStart(9, "0")}Z`, worker: "w", stream: "stderr", text: `2026-01-01 00:00:00,000 - synapse - 1 - INFO - GET-${n} - n=${n}` });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  // Node has no animation frames: the next one comes at the next 16 ms boundary, as in a browser.
  vi.stubGlobal("requestAnimationFrame", (cb: (t: number) => void) => setTimeout(() => cb(performance.now()), FRAME_MS - (performance.now() % FRAME_MS) || FRAME_MS));
  vi.stubGlobal("cancelAnimationFrame", (id: ReturnType<typeof setTimeout>) => clearTimeout(id));
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

/** Feeds `perSecond` lines for `seconds`, one batch per frame; returns the times of the renders in the last second. */
function drive(store: LogStore, perSecond: number, seconds: number): number[] {
  const renders: number[] = [];
  store.subscribe(() => renders.push(performance.now()));
  const perFrame = Math.max(1, Math.round((perSecond * FRAME_MS) / 1000));
  let n = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const batch = Array.from({ length: perFrame }, () => line(n++));
    store.append(batch);
    vi.advanceTimersByTime(FRAME_MS);
  }
  vi.advanceTimersByTime(1_000); // the last render after the stream ends
  expect(store.windowSize).toBe(Math.min(n, store.capacity));
  const from = end - 1_000;
  return renders.filter((t) => t >= from && t < end);
}

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]);

describe("render spacing", () => {
  it("renders once on the next frame for many batches in one frame", () => {
    const s = new LogStore();
    let calls = 0;
    s.subscribe(() => calls++);
    for (let i = 0; i < 20; i++) s.append([line(i)]);
    expect(calls).toBe(0);
    vi.advanceTimersByTime(FRAME_MS);
    expect(calls).toBe(1);
    expect(s.windowSize).toBe(20);
  });

  it("renders every frame while lines arrive slowly", () => {
    const renders = drive(new LogStore(), 300, 3);
    expect(renders.length).toBeGreaterThanOrEqual(55);
    expect(Math.max(...gaps(renders))).toBeLessThanOrEqual(2 * FRAME_MS);
  });

  it("renders about 10 times a second at 10,000 lines/s", () => {
    const renders = drive(new LogStore(), 10_000, 4);
    expect(renders.length).toBeGreaterThanOrEqual(8);
    expect(renders.length).toBeLessThanOrEqual(10);
    expect(Math.min(...gaps(renders))).toBeGreaterThanOrEqual(100);
  });

  it("renders about 4 times a second from 25,000 lines/s on", () => {
    const renders = drive(new LogStore(), 50_000, 4);
    expect(renders.length).toBeGreaterThanOrEqual(3);
    expect(renders.length).toBeLessThanOrEqual(4);
    expect(Math.min(...gaps(renders))).toBeGreaterThanOrEqual(250);
  });

  it("renders at once when the operator pauses, follows or filters, whatever the rate", () => {
    const s = new LogStore();
    drive(s, 50_000, 2);
    let calls = 0;
    s.subscribe(() => calls++);
    s.append([line(1)]);
    s.setFollowing(false);
    expect(calls).toBe(1);
    s.setFollowing(true);
    s.setFilter(null);
    expect(calls).toBe(3);
  });
});
