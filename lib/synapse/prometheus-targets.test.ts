import { describe, expect, it } from "vitest";
import { mainTargetEntry, parseTargets, renderTargets, updateTargets, workerTargetEntry } from "./prometheus-targets";
import { labTargets } from "./fixtures/lab";

describe("Prometheus targets", () => {
  it("renders the lab's layout byte for byte", () => {
    expect(renderTargets(parseTargets(labTargets))).toBe(labTargets);
  });

  it("adds and removes workers by their worker label", () => {
    const out = updateTargets(labTargets, { add: [workerTargetEntry("generic_worker2", "generic_worker", "generic-worker2", 9004)], remove: ["media_worker"] });
    expect(parseTargets(out).map((e) => e.labels.worker)).toEqual(["main", "generic_worker1", "federation_sender1", "generic_worker2"]);
  });

  it("labels main job synapse, index 1, as the stock Grafana dashboard and Synapse's docker image do", () => {
    expect(mainTargetEntry("synapse", 9000).labels).toEqual({ job: "synapse", index: "1", worker: "main" });
  });

  it("gives a worker its kind's job and its name's number as index", () => {
    expect(workerTargetEntry("generic_worker12", "generic_worker", "gw12", 9010).labels).toEqual({ job: "generic_worker", index: "12", worker: "generic_worker12" });
  });

  it("numbers a worker whose name is not its job's prefix and a number by the lowest free index, not by its name", () => {
    const text = renderTargets([workerTargetEntry("generic_worker1", "generic_worker", "gw1", 9001)]);
    const out = parseTargets(updateTargets(text, { add: [workerTargetEntry("crash_test1", "generic_worker", "ct1", 9004)] }));
    expect(out.map((e) => `${e.labels.job}-${e.labels.index} ${e.labels.worker}`)).toEqual(["generic_worker-1 generic_worker1", "generic_worker-2 crash_test1"]);
  });

  it("gives a worker without a number the lowest index its job has free, and keeps every existing index", () => {
    const text = renderTargets([
      mainTargetEntry("synapse", 9000),
      workerTargetEntry("media_worker1", "media_worker", "m1", 9001),
      workerTargetEntry("media_worker3", "media_worker", "m3", 9003),
    ]);
    const out = parseTargets(updateTargets(text, { add: [workerTargetEntry("media_worker", "media_worker", "m", 9004), workerTargetEntry("media_extra", "media_worker", "mx", 9005)] }));
    expect(out.map((e) => `${e.labels.job}-${e.labels.index}`)).toEqual(["synapse-1", "media_worker-1", "media_worker-3", "media_worker-2", "media_worker-4"]);
    // Every (job, index) pair names one process: the dashboard's legends stay apart.
    expect(new Set(out.map((e) => `${e.labels.job}-${e.labels.index}`)).size).toBe(out.length);
  });

  it("refuses text that is not a list", () => {
    expect(() => parseTargets("{}")).toThrow(/list/);
  });
});
