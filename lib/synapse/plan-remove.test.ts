import { describe, expect, it } from "vitest";
import { planIntent } from "./plan";
import { labSnapshot } from "./fixtures/lab";
import { fileAfter, stepLines, yamlAfter } from "./fixtures/plan-helpers";

const lab = () => ({ snapshot: labSnapshot() });

describe("removing a worker", () => {
  it("removing the last media worker puts media back on main", () => {
    const plan = planIntent({ kind: "remove_worker", name: "media_worker" }, lab());
    const hs = yamlAfter(plan, "homeserver.yaml");
    expect(hs.enable_media_repo).toBe(true);
    expect(hs).not.toHaveProperty("media_instance_running_background_jobs");
    expect(fileAfter(plan, "workers/media_worker.yaml")).toBeNull();
    expect(stepLines(plan)).toEqual(["stop media_worker", "remove_container media_worker", "write_files", "restart main", "wait_healthy main"]);
    expect(plan.destructive).toBe(true);
    expect(plan.summary).toBe("Remove media worker media_worker");
  });

  it("hands the media background jobs to the next media worker", () => {
    const snapshot = labSnapshot();
    const add = planIntent({ kind: "add_worker", type: "media" }, { snapshot });
    for (const f of add.files) if (f.after !== null) snapshot.files[f.path] = f.after;
    const plan = planIntent({ kind: "remove_worker", name: "media_worker" }, { snapshot });
    const hs = yamlAfter(plan, "homeserver.yaml");
    expect(hs.media_instance_running_background_jobs).toBe("media_worker1");
    expect(hs.enable_media_repo).toBe(false);
  });

  it("a stream writer's streams go back to main and every process restarts", () => {
    const plan = planIntent({ kind: "remove_worker", name: "generic_worker1" }, lab());
    const hs = yamlAfter(plan, "homeserver.yaml");
    expect(hs).not.toHaveProperty("stream_writers");
    expect(hs.instance_map).toEqual({ main: { host: "synapse", port: 9093 } });
    expect(plan.restarts.map((r) => r.process).sort()).toEqual(["federation_sender1", "main", "media_worker"]);
    expect(plan.warnings.join(" ")).toMatch(/typing, to_device, account_data, receipts, presence: those streams go back to main/);
  });

  it("warns that a compose-made worker comes back with docker compose up", () => {
    const plan = planIntent({ kind: "remove_worker", name: "generic_worker1" }, lab());
    expect(plan.warnings.join(" ")).toMatch(/docker compose \(service synapse-worker-generic\)/);
  });

  it("removes its metrics target and keeps the others", () => {
    const plan = planIntent({ kind: "remove_worker", name: "federation_sender1" }, lab());
    const targets = fileAfter(plan, "prometheus/synapse-targets.json")!;
    expect(targets).not.toContain("federation_sender1");
    expect(targets).toContain('"worker": "media_worker"');
    expect(yamlAfter(plan, "homeserver.yaml")).not.toHaveProperty("federation_sender_instances");
    expect(stepLines(plan)).toEqual(["stop federation_sender1", "remove_container federation_sender1", "write_files", "restart main", "wait_healthy main"]);
  });

  it("refuses an unknown worker and main", () => {
    expect(() => planIntent({ kind: "remove_worker", name: "nobody" }, lab())).toThrow(/no worker named nobody/);
    expect(() => planIntent({ kind: "remove_worker", name: "main" }, lab())).toThrow();
  });

  it("a fleet-made generic worker goes without touching anything else", () => {
    const snapshot = labSnapshot();
    const add = planIntent({ kind: "add_worker", type: "generic" }, { snapshot });
    for (const f of add.files) if (f.after !== null) snapshot.files[f.path] = f.after;
    const spec = add.steps.find((s) => s.kind === "create_container")!;
    if (spec.kind !== "create_container") throw new Error();
    snapshot.processes.push({ name: "generic_worker2", type: "generic", state: "running", configFile: "workers/generic_worker2.yaml", container: { ...spec.spec, id: "x", managedByFleet: true } });
    const plan = planIntent({ kind: "remove_worker", name: "generic_worker2" }, { snapshot });
    expect(stepLines(plan)).toEqual(["stop generic_worker2", "remove_container generic_worker2", "write_files"]);
    expect(plan.restarts).toEqual([]);
    expect(plan.warnings).toEqual([]);
    expect(fileAfter(plan, "prometheus/synapse-targets.json")).toBe(labSnapshot().files["prometheus/synapse-targets.json"]);
  });
});
