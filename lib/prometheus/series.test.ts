import { describe, expect, it } from "vitest";
import { roundSignificant, toSeries } from "./series";

describe("series", () => {
  it("keeps worker, job, index and name, sorted by worker (numbers in order)", () => {
    const out = toSeries([
      { labels: { worker: "generic_worker10", job: "generic_worker", index: "10" }, points: [[1, 1]] },
      { labels: { worker: "main", job: "synapse", index: "1", name: "wait" }, points: [] },
      { labels: { worker: "generic_worker2", job: "generic_worker", index: "2" }, points: [[1, 2]] },
      { labels: { worker: "main", job: "synapse", index: "1", name: "working ratio" }, points: [[1, 0.5]] },
      { labels: { worker: "federation_sender1", job: "synapse" }, points: [] },
    ]);
    expect(out.map((s) => [s.worker, s.name])).toEqual([
      ["federation_sender1", undefined],
      ["generic_worker2", undefined],
      ["generic_worker10", undefined],
      ["main", "wait"],
      ["main", "working ratio"],
    ]);
    expect(out[0]).toEqual({ worker: "federation_sender1", job: "synapse", index: null, points: [] });
    expect("name" in out[0]).toBe(false);
  });

  it("names a series without a worker label as the stock dashboard's legend does", () => {
    expect(toSeries([{ labels: { job: "generic_worker", index: "3" }, points: [] }])[0].worker).toBe("generic_worker-3");
    expect(toSeries([{ labels: { job: "synapse" }, points: [] }])[0].worker).toBe("synapse");
  });

  it("rounds values to 6 significant digits, keeping zero, signs, tiny and huge values and the timestamps", () => {
    expect(toSeries([{ labels: { worker: "main" }, points: [[1700000000, 0.16666666666666666], [1700000605, 123456789], [1700001210, 0]] }])[0].points).toEqual([
      [1700000000, 0.166667],
      [1700000605, 123457000],
      [1700001210, 0],
    ]);
    expect(roundSignificant(-2.5)).toBe(-2.5);
    expect(roundSignificant(0.000123456789)).toBe(0.000123457);
    expect(roundSignificant(99999.95)).toBe(100000);
    expect(roundSignificant(1e-20)).toBe(1e-20);
    expect(roundSignificant(5e25)).toBe(5e25);
    expect(JSON.stringify(roundSignificant(0.1 + 0.2))).toBe("0.3");
  });

  it("never moves a value by more than 5e-6 of itself", () => {
    let seed = 7;
    const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 20_000; i++) {
      const v = (next() - 0.5) * 10 ** Math.floor(next() * 30 - 12);
      if (v === 0) continue;
      expect(Math.abs(roundSignificant(v) - v) / Math.abs(v)).toBeLessThanOrEqual(5.000001e-6);
    }
  });
});
