import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { planIntent } from "./plan";
import { PlanError } from "./plan-schema";
import { labSnapshot, singleSnapshot } from "./fixtures/lab";
import { createdSpec, fileAfter, stepLines, yamlAfter } from "./fixtures/plan-helpers";

const lab = () => ({ snapshot: labSnapshot() });
const single = () => ({ snapshot: singleSnapshot() });

describe("adding a worker", () => {
  it("allocates generic_worker2 on a free port", () => {
    const plan = planIntent({ kind: "add_worker", type: "generic" }, lab());
    expect(plan.summary).toBe("Add generic worker generic_worker2 on port 8011");
    const file = yamlAfter(plan, "workers/generic_worker2.yaml");
    expect(file).toMatchObject({ worker_app: "synapse.app.generic_worker", worker_name: "generic_worker2", worker_log_config: "/data/log.config" });
    expect(file.worker_listeners).toEqual([
      { type: "http", port: 8011, bind_addresses: ["0.0.0.0"], x_forwarded: true, resources: [{ names: ["client", "federation"] }] },
      { type: "metrics", port: 9004, bind_addresses: ["0.0.0.0"] },
    ]);
  });

  it("without Traefik, tells the operator which paths to route to a kind no shared service covers, each route written out", () => {
    // A deployment without Traefik: nothing routes by labels, so the plan must say what to route.
    const snapshot = labSnapshot();
    for (const p of snapshot.processes) {
      if (p.container) p.container.labels = Object.fromEntries(Object.entries(p.container.labels).filter(([k]) => !k.startsWith("traefik.")));
    }
    const plan = planIntent({ kind: "add_worker", type: "synchrotron" }, { snapshot });
    expect(planIntent({ kind: "add_worker", type: "synchrotron" }, lab()).warnings.join(" ")).not.toContain("in your load balancer");
    const warning = plan.warnings.find((w) => w.includes("route those paths to it in your load balancer"));
    expect(warning).toMatch(/^synchrotron1 serves .*\/sync/);
    expect(warning).not.toContain("[object Object]");
  });

  it("gives a new worker the log config most processes share, not another worker's own file log", () => {
    const snapshot = labSnapshot();
    // Every existing worker logs to a file of its own: each config is named once, main's wins.
    for (const path of Object.keys(snapshot.files).filter((p) => p.startsWith("workers/"))) {
      const own = path.replace(/^workers\/(.*)\.yaml$/, "/data/$1.log.config");
      snapshot.files[path] = snapshot.files[path].replace("worker_log_config: /data/log.config", `worker_log_config: ${own}`);
      expect(snapshot.files[path]).toContain(own);
    }
    const plan = planIntent({ kind: "add_worker", type: "generic" }, { snapshot });
    expect(yamlAfter(plan, "workers/generic_worker2.yaml").worker_log_config).toBe("/data/log.config");
  });

  it("skips ports published by other containers", () => {
    const snapshot = labSnapshot();
    snapshot.usedHostPorts.push(8011, 8012, 9004);
    const plan = planIntent({ kind: "add_worker", type: "generic" }, { snapshot });
    expect(yamlAfter(plan, "workers/generic_worker2.yaml").worker_listeners).toMatchObject([{ port: 8013 }, { port: 9005 }]);
  });

  it("adding a plain generic worker touches neither homeserver.yaml nor any running process", () => {
    const plan = planIntent({ kind: "add_worker", type: "generic" }, lab());
    expect(plan.files.map((f) => f.path)).toEqual(["prometheus/synapse-targets.json", "workers/generic_worker2.yaml"]);
    expect(stepLines(plan)).toEqual(["write_files", "create_container generic_worker2", "start generic_worker2", "wait_healthy generic_worker2"]);
    expect(plan.restarts).toEqual([]);
    expect(plan.destructive).toBe(false);
    expect(plan.expected.map((p) => p.name)).toEqual(["main", "federation_sender1", "generic_worker1", "media_worker", "generic_worker2"]);
  });

  it("adds the worker's metrics target in the lab's format, host = its network alias", () => {
    const plan = planIntent({ kind: "add_worker", type: "generic" }, lab());
    const after = fileAfter(plan, "prometheus/synapse-targets.json")!;
    expect(after.split("\n")).toContain(' ,{"targets": ["generic-worker2:9004"], "labels": {"job": "generic_worker", "index": "2", "worker": "generic_worker2"}}');
    expect(after.startsWith('[\n  {"targets": ["synapse:9000"]')).toBe(true);
  });

  it("labels a stream writer with its stream's job, and a preset's media worker without a number by the lowest free index", () => {
    const plan = planIntent({ kind: "add_worker", type: "event_persister" }, lab());
    const after = fileAfter(plan, "prometheus/synapse-targets.json")!;
    expect(after).toContain('"labels": {"job": "event_persister", "index": "1", "worker": "event_persister1"}');
    expect(after).toContain('"labels": {"job": "media_worker", "index": "1", "worker": "media_worker"}');
  });

  it("without a targets file, warns with the file_sd group Prometheus would need, and writes none", () => {
    const snapshot = labSnapshot();
    delete snapshot.files["prometheus/synapse-targets.json"];
    const plan = planIntent({ kind: "add_worker", type: "generic" }, { snapshot });
    expect(plan.files.map((f) => f.path)).toEqual(["workers/generic_worker2.yaml"]);
    expect(plan.warnings.join("\n")).toContain('there is no prometheus/synapse-targets.json: Prometheus will not scrape generic_worker2 — add to its file_sd: {"targets":["generic-worker2:9004"],"labels":{"job":"generic_worker","index":"2","worker":"generic_worker2"}}');
  });

  it("first worker adds main's replication listener and instance_map.main", () => {
    const plan = planIntent({ kind: "add_worker", type: "generic" }, single());
    const hs = yamlAfter(plan, "homeserver.yaml") as { listeners: Array<{ port: number; resources?: unknown }>; instance_map: unknown };
    expect(hs.listeners.find((l) => l.port === 9093)).toEqual({ port: 9093, type: "http", bind_addresses: ["0.0.0.0"], resources: [{ names: ["replication"] }] });
    expect(hs.instance_map).toEqual({ main: { host: "synapse", port: 9093 } });
    expect(plan.summary).toBe("Add generic worker generic_worker1 on port 8011");
    expect(stepLines(plan)).toEqual(["write_files", "create_container generic_worker1", "start generic_worker1", "restart main", "wait_healthy main,generic_worker1"]);
    expect(plan.destructive).toBe(true);
  });

  it("first worker enables Redis when it was off, and says the host is needed", () => {
    const snapshot = singleSnapshot();
    snapshot.files["homeserver.yaml"] = snapshot.files["homeserver.yaml"].replace(/redis:\n(  .*\n)+/, "");
    const plan = planIntent({ kind: "add_worker", type: "generic" }, { snapshot });
    expect(yamlAfter(plan, "homeserver.yaml").redis).toEqual({ enabled: true });
    expect(plan.warnings.join(" ")).toMatch(/redis\.host/);
  });

  it("without a compose service, names main by its network alias, not the container id", () => {
    const snapshot = singleSnapshot();
    const c = snapshot.processes[0].container!;
    c.labels = Object.fromEntries(Object.entries(c.labels).filter(([k]) => !k.startsWith("com.docker.compose")));
    const plan = planIntent({ kind: "add_worker", type: "generic" }, { snapshot });
    expect((yamlAfter(plan, "homeserver.yaml").instance_map as { main: { host: string } }).main.host).toBe("synapse");
  });

  it("adds a media worker and moves media off main", () => {
    const plan = planIntent({ kind: "add_worker", type: "media" }, single());
    const hs = yamlAfter(plan, "homeserver.yaml");
    expect(hs.enable_media_repo).toBe(false);
    expect(hs.media_instance_running_background_jobs).toBe("media_worker1");
    const file = yamlAfter(plan, "workers/media_worker1.yaml");
    expect(file.enable_media_repo).toBe(true);
    expect(file.worker_listeners).toMatchObject([{ type: "http", resources: [{ names: ["media", "client"] }] }, { type: "metrics" }]);
    expect(plan.restarts.map((r) => r.process)).toEqual(["main"]);
    expect(plan.restarts[0].reason).toMatch(/enable_media_repo: false/);
  });

  it("a second media worker leaves the background jobs where they are and restarts nothing", () => {
    const plan = planIntent({ kind: "add_worker", type: "media" }, lab());
    expect(plan.files.some((f) => f.path === "homeserver.yaml")).toBe(false);
    expect(plan.restarts).toEqual([]);
  });

  it("a stream writer joins stream_writers and instance_map and restarts every process", () => {
    const plan = planIntent({ kind: "add_worker", type: "event_persister" }, lab());
    const hs = yamlAfter(plan, "homeserver.yaml") as { stream_writers: Record<string, string[]>; instance_map: Record<string, unknown> };
    expect(hs.stream_writers.events).toEqual(["event_persister1"]);
    expect(hs.instance_map.event_persister1).toEqual({ host: "event-persister1", port: 9095 });
    expect(yamlAfter(plan, "workers/event_persister1.yaml").worker_listeners).toEqual([
      { type: "http", port: 9095, bind_addresses: ["0.0.0.0"], resources: [{ names: ["replication"] }] },
      { type: "metrics", port: 9004, bind_addresses: ["0.0.0.0"] },
    ]);
    expect(plan.restarts.map((r) => r.process).sort()).toEqual(["federation_sender1", "generic_worker1", "main", "media_worker"]);
    expect(plan.restarts[0].reason).toMatch(/stream_writers changed: every process re-reads instance_map/);
    expect(stepLines(plan).slice(-1)[0]).toBe("wait_healthy main,federation_sender1,generic_worker1,media_worker,event_persister1");
  });

  it("never writes main as a stream writer", () => {
    const plan = planIntent({ kind: "add_worker", type: "receipts_writer" }, lab());
    const writers = (yamlAfter(plan, "homeserver.yaml").stream_writers as Record<string, string[]>).receipts;
    expect(writers).toEqual(["generic_worker1", "receipts_writer1"]);
    const all = Object.values(yamlAfter(plan, "homeserver.yaml").stream_writers as Record<string, string[]>).flat();
    expect(all).not.toContain("main");
    expect(all).not.toContain("master");
  });

  it("refuses a second typing writer", () => {
    expect(() => planIntent({ kind: "add_worker", type: "typing_writer" }, lab())).toThrow(/typing stream already has its writer \(generic_worker1\)/);
  });

  it("refuses more than the kind's max", () => {
    const once = planIntent({ kind: "add_worker", type: "user_dir" }, lab());
    expect(yamlAfter(once, "homeserver.yaml").update_user_directory_from_worker).toBe("user_dir1");
    expect(() => planIntent({ kind: "scale", type: "user_dir", count: 2 }, lab())).toThrow(PlanError);
  });

  it("refuses a duplicate name, whether a worker file, a container or an instance_map key has it", () => {
    expect(() => planIntent({ kind: "add_worker", type: "generic", name: "generic_worker1" }, lab())).toThrow(/already used/);
    const snapshot = labSnapshot();
    snapshot.files["homeserver.yaml"] = snapshot.files["homeserver.yaml"].replace("instance_map:\n", "instance_map:\n  ghost:\n    host: ghost\n    port: 9999\n");
    expect(() => planIntent({ kind: "add_worker", type: "generic", name: "ghost" }, { snapshot })).toThrow(/already used/);
  });

  it("refuses a port already used by a listener or a published port", () => {
    expect(() => planIntent({ kind: "add_worker", type: "generic", port: 9093 }, lab())).toThrow(/port 9093 is already used/);
    expect(() => planIntent({ kind: "add_worker", type: "generic", port: 9090 }, lab())).toThrow(/port 9090/);
    expect(() => planIntent({ kind: "add_worker", type: "federation_sender", port: 8111 }, lab())).toThrow(/no http listener/);
  });

  it("takes the name and port asked for", () => {
    const plan = planIntent({ kind: "add_worker", type: "client_reader", name: "reader_a", port: 8123 }, lab());
    expect(createdSpec(plan, "reader_a").ports).toEqual([{ container: 8123, host: 8123, hostIp: "0.0.0.0" }]);
    expect(plan.expected.at(-1)).toEqual({ name: "reader_a", type: "client_reader" });
  });

  it("a federation sender stops every sender and starts them together, and restarts main", () => {
    const plan = planIntent({ kind: "add_worker", type: "federation_sender" }, lab());
    expect((yamlAfter(plan, "homeserver.yaml") as { federation_sender_instances: string[] }).federation_sender_instances).toEqual(["federation_sender1", "federation_sender2"]);
    expect(stepLines(plan)).toEqual([
      "write_files",
      "create_container federation_sender2",
      "stop federation_sender1",
      "start federation_sender1",
      "start federation_sender2",
      "restart main",
      "wait_healthy main,federation_sender1,federation_sender2",
    ]);
    expect(createdSpec(plan, "federation_sender2").ports).toEqual([]);
  });

  it("a background worker restarts main, which reads run_background_tasks_on", () => {
    const plan = planIntent({ kind: "add_worker", type: "background_worker" }, lab());
    expect(yamlAfter(plan, "homeserver.yaml").run_background_tasks_on).toBe("background_worker1");
    expect(plan.restarts.map((r) => r.process)).toEqual(["main"]);
  });

  it("does not restart a stopped process; it says it reads the config when started", () => {
    const snapshot = labSnapshot();
    snapshot.processes[1].state = "exited";
    const plan = planIntent({ kind: "add_worker", type: "event_persister" }, { snapshot });
    expect(plan.restarts.map((r) => r.process)).not.toContain("generic_worker1");
    expect(plan.warnings.join(" ")).toMatch(/generic_worker1 is not running/);
  });

  it("keeps homeserver.yaml's comments and secrets untouched", () => {
    const plan = planIntent({ kind: "add_worker", type: "event_persister" }, lab());
    const before = labSnapshot().files["homeserver.yaml"];
    const after = fileAfter(plan, "homeserver.yaml")!;
    const kept = before.split("\n").filter((l) => !after.split("\n").includes(l));
    expect(kept).toEqual([]);
    expect(parse(after).registration_shared_secret).toBe("shared~=secret,with#odd chars");
  });
});
