import { describe, expect, it } from "vitest";
import { parseTargets, renderTargets, targetEntry, updateTargets } from "./prometheus-targets";
import { labTargets } from "./fixtures/lab";

describe("Prometheus targets", () => {
  it("renders the lab's layout byte for byte", () => {
    expect(renderTargets(parseTargets(labTargets))).toBe(labTargets);
  });

  it("adds and removes workers by their worker label", () => {
    const out = updateTargets(labTargets, { add: [targetEntry("generic_worker2", "generic-worker2", 9004)], remove: ["media_worker"] });
    expect(parseTargets(out).map((e) => e.labels.worker)).toEqual(["main", "generic_worker1", "federation_sender1", "generic_worker2"]);
  });

  it("refuses text that is not a list", () => {
    expect(() => parseTargets("{}")).toThrow(/list/);
  });
});
