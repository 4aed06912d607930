import { describe, expect, it } from "vitest";
import { planIntent } from "./plan";
import { labMediaLogConfig, labSnapshot, singleSnapshot } from "./fixtures/lab";
import { fileAfter, stepLines, yamlAfter } from "./fixtures/plan-helpers";
import type { DeploymentSnapshot } from "./plan-schema";

describe("rollback to a single process", () => {
  it("rollback drops every worker key and re-enables media on main", () => {
    const plan = planIntent({ kind: "rollback_to_single_process" }, { snapshot: labSnapshot() });
    const hs = yamlAfter(plan, "homeserver.yaml");
    for (const key of ["instance_map", "stream_writers", "federation_sender_instances", "media_instance_running_background_jobs"]) expect(hs).not.toHaveProperty(key);
    expect(hs.enable_media_repo).toBe(true);
    expect(plan.files.filter((f) => f.after === null).map((f) => f.path)).toEqual(["workers/federation_sender1.yaml", "workers/generic_worker1.yaml", "workers/media_worker.yaml"]);
    expect(fileAfter(plan, "prometheus/synapse-targets.json")).toBe('[\n  {"targets": ["synapse:9000"], "labels": {"job": "synapse", "index": "1", "worker": "main"}}\n]\n');
    expect(stepLines(plan)).toEqual([
      "stop federation_sender1",
      "remove_container federation_sender1",
      "stop generic_worker1",
      "remove_container generic_worker1",
      "stop media_worker",
      "remove_container media_worker",
      "write_files",
      "restart main",
      "wait_healthy main",
    ]);
    expect(plan.expected).toEqual([{ name: "main", type: "main" }]);
    expect(plan.destructive).toBe(true);
  });

  it("takes a worker's own log config away with its worker file, keeps main's, and a restore puts it back", () => {
    const before = labSnapshot();
    before.files["media_worker.log.config"] = labMediaLogConfig;
    before.files["workers/media_worker.yaml"] = before.files["workers/media_worker.yaml"].replace("worker_log_config: /data/log.config", "worker_log_config: /data/media_worker.log.config");
    expect(before.files["workers/media_worker.yaml"]).toContain("/data/media_worker.log.config");
    const plan = planIntent({ kind: "rollback_to_single_process" }, { snapshot: before });
    expect(plan.files.filter((f) => f.after === null).map((f) => f.path)).toEqual([
      "workers/federation_sender1.yaml", "workers/generic_worker1.yaml", "workers/media_worker.yaml", "media_worker.log.config",
    ]);
    expect(plan.files.some((f) => f.path === "log.config")).toBe(false);

    const after = singleSnapshot();
    const restore = planIntent({ kind: "restore", operationId: "op1", point: "before" }, { snapshot: after, restoreTarget: before });
    expect(restore.files.find((f) => f.path === "media_worker.log.config")).toEqual({ path: "media_worker.log.config", before: null, after: labMediaLogConfig });

    // And back to the single process (an interrupted restore put back): the worker's own log config
    // goes with it, since the single-process snapshot records its log configs and that one is not among them.
    const single = { ...after, files: { ...after.files, "log.config": "version: 1\n" } };
    const back = planIntent({ kind: "restore", operationId: "op2", point: "before" }, { snapshot: before, restoreTarget: single });
    expect(back.files.find((f) => f.path === "media_worker.log.config")).toEqual({ path: "media_worker.log.config", before: labMediaLogConfig, after: null });
  });

  it("keeps the rest of homeserver.yaml byte-identical (comments included)", () => {
    const plan = planIntent({ kind: "rollback_to_single_process" }, { snapshot: labSnapshot() });
    const after = fileAfter(plan, "homeserver.yaml")!;
    expect(after).toContain("# Redis carries replication between main and the workers.\nredis:\n");
    expect(after).toContain("    bind_addresses: ['0.0.0.0']\n    resources:\n      - names: [replication]\n");
  });

  it("refuses when there is nothing to roll back", () => {
    expect(() => planIntent({ kind: "rollback_to_single_process" }, { snapshot: singleSnapshot() })).toThrow(/already runs as a single process/);
  });
});

function applied(snapshot: DeploymentSnapshot, plan: ReturnType<typeof planIntent>): DeploymentSnapshot {
  const files = { ...snapshot.files };
  for (const f of plan.files) if (f.after === null) delete files[f.path]; else files[f.path] = f.after;
  const removed = new Set(plan.steps.flatMap((s) => (s.kind === "remove_container" ? [s.process] : [])));
  return { ...snapshot, files, processes: snapshot.processes.filter((p) => !removed.has(p.name)) };
}

describe("restore", () => {
  it("restore brings back removed worker files and containers", () => {
    const before = labSnapshot();
    const now = applied(before, planIntent({ kind: "rollback_to_single_process" }, { snapshot: before }));
    const plan = planIntent({ kind: "restore_workers" }, { snapshot: now, restoreTarget: before });
    expect(plan.files.map((f) => [f.path, f.before === null ? "create" : "change"])).toEqual([
      ["homeserver.yaml", "change"],
      ["prometheus/synapse-targets.json", "change"],
      ["workers/federation_sender1.yaml", "create"],
      ["workers/generic_worker1.yaml", "create"],
      ["workers/media_worker.yaml", "create"],
    ]);
    for (const f of plan.files) expect(f.after).toBe(before.files[f.path]);
    expect(stepLines(plan)).toEqual([
      "write_files",
      "create_container generic_worker1",
      "start generic_worker1",
      "create_container media_worker",
      "start media_worker",
      "create_container federation_sender1",
      "start federation_sender1",
      "restart main",
      "wait_healthy main,generic_worker1,media_worker,federation_sender1",
    ]);
    const spec = plan.steps.find((s) => s.kind === "create_container");
    expect(spec && "spec" in spec && spec.spec).not.toHaveProperty("id");
  });

  it("restore removes containers and files the snapshot did not have", () => {
    const before = singleSnapshot();
    const add = planIntent({ kind: "add_worker", type: "generic" }, { snapshot: before });
    const now = applied(before, add);
    const create = add.steps.find((s) => s.kind === "create_container")!;
    if (create.kind !== "create_container") throw new Error();
    now.processes = [...now.processes, { name: "generic_worker1", type: "generic", state: "running", configFile: "workers/generic_worker1.yaml", container: { ...create.spec, id: "w1", managedByFleet: true } }];
    const plan = planIntent({ kind: "restore", operationId: "op1", point: "before" }, { snapshot: now, restoreTarget: before });
    expect(stepLines(plan)).toEqual(["stop generic_worker1", "remove_container generic_worker1", "write_files", "restart main", "wait_healthy main"]);
    expect(plan.files.find((f) => f.path === "workers/generic_worker1.yaml")?.after).toBeNull();
    expect(plan.summary).toMatch(/^Restore the deployment before operation op1/);
  });

  it("restore leaves a log config the snapshot did not record, and puts back one it did, with a reload", () => {
    const then = labSnapshot();
    const now = labSnapshot();
    now.files["log.config"] = "version: 1\nroot: {level: DEBUG}\n";
    now.files["homeserver.yaml"] += "# edited\n";
    const untouched = planIntent({ kind: "restore", operationId: "op1", point: "before" }, { snapshot: now, restoreTarget: then });
    expect(untouched.files.map((f) => f.path)).toEqual(["homeserver.yaml"]);
    then.files["log.config"] = "version: 1\nroot: {level: INFO}\n";
    now.files["homeserver.yaml"] = then.files["homeserver.yaml"];
    const back = planIntent({ kind: "restore", operationId: "op1", point: "before" }, { snapshot: now, restoreTarget: then });
    expect(back.files).toEqual([{ path: "log.config", before: now.files["log.config"], after: then.files["log.config"] }]);
    expect(back.steps.filter((s) => s.kind === "reload").length).toBe(4);
  });

  it("refuses without a snapshot to restore", () => {
    expect(() => planIntent({ kind: "restore_workers" }, { snapshot: labSnapshot() })).toThrow(/no rollback to undo/);
  });
});
