import { describe, expect, it } from "vitest";
import { planIntent } from "./plan";
import { labSnapshot, singleSnapshot } from "./fixtures/lab";
import { stepLines, yamlAfter } from "./fixtures/plan-helpers";

describe("scaling and presets", () => {
  it("scales generic workers up in one plan with one write_files step", () => {
    const plan = planIntent({ kind: "scale", type: "generic", count: 3 }, { snapshot: labSnapshot() });
    expect(plan.summary).toBe("Scale generic workers 1 → 3 (add generic_worker2, generic_worker3)");
    expect(stepLines(plan).filter((s) => s === "write_files")).toHaveLength(1);
    expect(yamlAfter(plan, "workers/generic_worker3.yaml").worker_listeners).toMatchObject([{ port: 8012 }, { port: 9005 }]);
    expect(stepLines(plan)).toEqual([
      "write_files",
      "create_container generic_worker2",
      "create_container generic_worker3",
      "start generic_worker2",
      "start generic_worker3",
      "wait_healthy generic_worker2,generic_worker3",
    ]);
  });

  it("scales down by removing the highest-numbered fleet-made worker first", () => {
    const snapshot = labSnapshot();
    const up = planIntent({ kind: "scale", type: "generic", count: 3 }, { snapshot });
    for (const f of up.files) if (f.after !== null) snapshot.files[f.path] = f.after;
    for (const s of up.steps) if (s.kind === "create_container") snapshot.processes.push({ name: s.process, type: "generic", state: "running", configFile: `workers/${s.process}.yaml`, container: { ...s.spec, id: s.process, managedByFleet: true } });
    const down = planIntent({ kind: "scale", type: "generic", count: 2 }, { snapshot });
    expect(stepLines(down)).toEqual(["stop generic_worker3", "remove_container generic_worker3", "write_files"]);
    const toOne = planIntent({ kind: "scale", type: "generic", count: 1 }, { snapshot });
    expect(toOne.steps.filter((s) => s.kind === "remove_container").map((s) => ("process" in s ? s.process : ""))).toEqual(["generic_worker3", "generic_worker2"]);
  });

  it("scales a compose-made kind to zero, with a warning", () => {
    const plan = planIntent({ kind: "scale", type: "federation_sender", count: 0 }, { snapshot: labSnapshot() });
    expect(plan.warnings.join(" ")).toMatch(/docker compose/);
    expect(yamlAfter(plan, "homeserver.yaml")).not.toHaveProperty("federation_sender_instances");
  });

  it("refuses a scale that changes nothing", () => {
    expect(() => planIntent({ kind: "scale", type: "generic", count: 1 }, { snapshot: labSnapshot() })).toThrow(/already 1 generic worker$/);
  });

  it("applies the small preset from single mode: generic, media and sender in one plan", () => {
    const plan = planIntent({ kind: "preset", preset: "small" }, { snapshot: singleSnapshot() });
    const hs = yamlAfter(plan, "homeserver.yaml");
    expect(hs).toMatchObject({
      enable_media_repo: false,
      media_instance_running_background_jobs: "media_worker1",
      federation_sender_instances: ["federation_sender1"],
      instance_map: { main: { host: "synapse", port: 9093 } },
    });
    expect(plan.expected.map((p) => p.name)).toEqual(["main", "generic_worker1", "media_worker1", "federation_sender1"]);
    expect(stepLines(plan)).toEqual([
      "write_files",
      "create_container generic_worker1",
      "create_container media_worker1",
      "create_container federation_sender1",
      "start generic_worker1",
      "start media_worker1",
      "start federation_sender1",
      "restart main",
      "wait_healthy main,generic_worker1,media_worker1,federation_sender1",
    ]);
  });

  it("one of each skips single-writer kinds whose stream already has a writer", () => {
    const plan = planIntent({ kind: "preset", preset: "one_of_each" }, { snapshot: labSnapshot() });
    expect(plan.warnings.join(" ")).toMatch(/skipped the typing writer/);
    const hs = yamlAfter(plan, "homeserver.yaml") as { stream_writers: Record<string, string[]> };
    expect(hs.stream_writers.typing).toEqual(["generic_worker1"]);
    expect(hs.stream_writers.push_rules).toEqual(["push_rules_writer1"]);
    expect(hs.stream_writers.events).toEqual(["event_persister1"]);
  });
});
