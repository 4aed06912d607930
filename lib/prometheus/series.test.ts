import { describe, expect, it } from "vitest";
import { toSeries } from "./series";

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
});
