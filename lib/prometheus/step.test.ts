import { describe, expect, it } from "vitest";
import { FALLBACK_SCRAPE_SECONDS, MAX_POINTS_PER_SERIES, pointsOf, queryGrid, rateWindow } from "./step";

const now = 1_796_125_143;

describe("query grid", () => {
  it("never steps finer than the scrape interval", () => {
    const g = queryGrid({ start: now - 900, end: now }, 1000, 5);
    expect(g.step).toBe(5);
    expect(pointsOf(g)).toBeLessThanOrEqual(181);
  });

  it("gives one point per pixel at most over long ranges, rounded up to whole seconds", () => {
    const g = queryGrid({ start: now - 604_800, end: now }, 1000, 5);
    expect(g.step).toBe(605); // 604800 / 1000 = 604.8
    expect(pointsOf(g)).toBeLessThanOrEqual(1001);
    expect(queryGrid({ start: now - 3600, end: now }, 2000, 1).step).toBe(2);
  });

  it("aligns start and end to multiples of the step, inside the asked range", () => {
    for (const [span, width, scrape] of [[3600, 1000, 5], [86_400, 733, 15], [604_800, 2000, 30], [900, 100, 7]] as const) {
      const g = queryGrid({ start: now - span, end: now }, width, scrape);
      expect(g.start % g.step).toBe(0);
      expect(g.end % g.step).toBe(0);
      expect(g.start).toBeLessThanOrEqual(now - span);
      expect(g.start).toBeGreaterThan(now - span - g.step);
      expect(g.end).toBeLessThanOrEqual(now);
      expect(g.end).toBeGreaterThan(now - g.step);
    }
  });

  it("lands on the same timestamps when asked again a moment later", () => {
    const a = queryGrid({ start: now - 3600, end: now }, 1000, 5);
    const b = queryGrid({ start: now - 3600 + 2, end: now + 2 }, 1000, 5);
    expect(b.step).toBe(a.step);
    expect((b.start - a.start) % a.step).toBe(0);
  });

  it("never asks more than 11,000 points per series, whatever the width", () => {
    const g = queryGrid({ start: now - 604_800, end: now }, 1_000_000, 1);
    expect(pointsOf(g)).toBeLessThanOrEqual(MAX_POINTS_PER_SERIES);
    const h = queryGrid({ start: 1_000_000_000 - 12_000, end: 1_000_000_000 + 1 }, 2000, 1);
    expect(pointsOf(h)).toBeLessThanOrEqual(MAX_POINTS_PER_SERIES);
  });

  it("keeps end at or after start when the range is shorter than a step", () => {
    const g = queryGrid({ start: now - 30, end: now }, 1000, 60);
    expect(g.end).toBeGreaterThanOrEqual(g.start);
    expect(pointsOf(g)).toBeGreaterThanOrEqual(1);
  });
});

describe("rate window", () => {
  it("is max(step + scrape, 4 × scrape)", () => {
    expect(rateWindow(5, 5)).toBe(20);
    expect(rateWindow(605, 5)).toBe(610);
    expect(rateWindow(15, 15)).toBe(60);
    expect(rateWindow(60, 15)).toBe(75);
    expect(queryGrid({ start: now - 3600, end: now }, 1000, 5).window).toBe(20);
  });

  it("assumes Prometheus's default scrape interval when none is known", () => {
    expect(rateWindow(10, 0)).toBe(4 * FALLBACK_SCRAPE_SECONDS);
    expect(queryGrid({ start: now - 900, end: now }, 1000, 0).step).toBe(FALLBACK_SCRAPE_SECONDS);
  });
});
