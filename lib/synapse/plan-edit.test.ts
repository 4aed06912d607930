import { describe, expect, it } from "vitest";
import { fileVersion } from "./file-version";
import { labSnapshot } from "./fixtures/lab";
import { stepLines } from "./fixtures/plan-helpers";
import { planIntent } from "./plan";
import { readDeployment } from "./deployment";
import { DEFAULT_LB_CONFIG, renderLbConfig, upstreamOfWorker } from "./plan-lb";
import { ConfigFindingsError, PlanError, type DeploymentSnapshot, type Plan, type Step } from "./plan-schema";
import { maskSecrets } from "./secrets";

const HS = "homeserver.yaml";
const GW = "workers/generic_worker1.yaml";

function save(edits: Record<string, string>, base?: Record<string, string>): Plan {
  const snapshot = labSnapshot();
  const files = Object.keys(edits).map((path) => ({ path, baseVersion: base?.[path] ?? fileVersion(snapshot.files[path]) }));
  return planIntent({ kind: "edit_files", files }, { snapshot, edits });
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a refusal");
}

const lab = labSnapshot().files;

describe("saving edited config files", () => {
  it("a log config edit reloads every running process that names it (SIGHUP), restarting none; a broken one is refused", () => {
    const snapshot = labSnapshot();
    snapshot.files["log.config"] = "version: 1\nroot: {level: INFO}\n";
    const base = fileVersion(snapshot.files["log.config"]);
    const intent = { kind: "edit_files" as const, files: [{ path: "log.config", baseVersion: base }] };
    const plan = planIntent(intent, { snapshot, edits: { "log.config": "version: 1\nroot: {level: DEBUG}\n" } });
    expect(plan.restarts).toEqual([]);
    expect(stepLines(plan)[0]).toBe("write_files");
    expect(stepLines(plan).at(-1)).toMatch(/^wait_healthy /);
    expect(plan.steps.filter((s) => s.kind === "restart")).toEqual([]);
    expect(plan.steps.filter((s) => s.kind === "reload").map((s) => (s as { process: string }).process).sort()).toEqual(["federation_sender1", "generic_worker1", "main", "media_worker"]);
    expect(() => planIntent(intent, { snapshot, edits: { "log.config": "version: 2\n" } })).toThrow(ConfigFindingsError);
    expect(() => planIntent(intent, { snapshot, edits: { "log.config": "root: [unclosed\n" } })).toThrow(ConfigFindingsError);
  });

  it("a log config that logs to the console restarts the processes naming it instead: a SIGHUP would loop their output (matrix-org/synapse#6550)", () => {
    const snapshot = labSnapshot();
    const console = (level: string, stream = "\n    stream: ext://sys.stdout") =>
      `version: 1\nhandlers:\n  console:\n    class: logging.StreamHandler${stream}\nroot: {level: ${level}, handlers: [console]}\n`;
    for (const stream of ["\n    stream: ext://sys.stdout", "\n    stream: ext://sys.stderr", ""]) {
      snapshot.files["log.config"] = console("INFO", stream);
      const intent = { kind: "edit_files" as const, files: [{ path: "log.config", baseVersion: fileVersion(snapshot.files["log.config"]) }] };
      const plan = planIntent(intent, { snapshot, edits: { "log.config": console("DEBUG", stream) } });
      expect(plan.steps.filter((s) => s.kind === "reload")).toEqual([]);
      expect(plan.restarts.map((r) => r.process).sort()).toEqual(["federation_sender1", "generic_worker1", "main", "media_worker"]);
      expect(plan.restarts[0].reason).toContain("logs to the console");
    }
    // A file handler reloads cleanly: SIGHUP, nothing restarts.
    const file = (level: string) => `version: 1\nhandlers:\n  file:\n    class: logging.handlers.RotatingFileHandler\n    filename: /data/logs/x.log\nroot: {level: ${level}, handlers: [file]}\n`;
    snapshot.files["log.config"] = file("INFO");
    const intent = { kind: "edit_files" as const, files: [{ path: "log.config", baseVersion: fileVersion(snapshot.files["log.config"]) }] };
    const plan = planIntent(intent, { snapshot, edits: { "log.config": file("DEBUG") } });
    expect(plan.restarts).toEqual([]);
    expect(plan.steps.filter((s) => s.kind === "reload")).toHaveLength(4);
  });

  it("a worker file edit restarts that worker only, then waits for it", () => {
    const plan = save({ [GW]: lab[GW].replace("/data/log.config", "/data/log2.config") });
    expect(plan.files.map((f) => f.path)).toEqual([GW]);
    expect(stepLines(plan)).toEqual(["write_files", "restart generic_worker1", "wait_healthy generic_worker1"]);
    expect(plan.restarts).toEqual([{ process: "generic_worker1", reason: `${GW} changed` }]);
  });

  it("a homeserver.yaml key outside the restart table restarts every running process", () => {
    const plan = save({ [HS]: lab[HS] + "max_upload_size: 100M\n" });
    expect(plan.restarts.map((r) => r.process).sort()).toEqual(["federation_sender1", "generic_worker1", "main", "media_worker"]);
    expect(plan.restarts.find((r) => r.process === "media_worker")!.reason).toMatch(/max_upload_size.*every process loads it/);
    expect(stepLines(plan)[1]).toBe("restart main");
  });

  it("puts masked secrets back from the disk, byte for byte, and writes nothing else", () => {
    const masked = maskSecrets(lab[HS]);
    expect(masked).not.toBe(lab[HS]);
    const plan = save({ [HS]: masked + "max_upload_size: 100M\n" });
    expect(plan.files[0].after).toBe(lab[HS] + "max_upload_size: 100M\n");
    expect(save({ [HS]: masked }).files).toEqual([]);
  });

  it("refuses an edit made on another version as stale, with the current one (any string, a made-up one too)", () => {
    for (const base of ["0".repeat(64), "made-up"]) {
      const err = thrown(() => save({ [GW]: lab[GW] + "# x\n" }, { [GW]: base }));
      expect(err).toBeInstanceOf(PlanError);
      expect((err as PlanError).code).toBe("stale");
      expect((err as PlanError).details).toEqual({ current: { [GW]: fileVersion(lab[GW]) } });
    }
  });

  it("refuses an edit with an error-level finding, positioned, and «masked» where no secret was", () => {
    const broken = lab[GW].replace("names: [replication]", "names: [client]");
    const err = thrown(() => save({ [GW]: broken }));
    expect(err).toBeInstanceOf(ConfigFindingsError);
    expect((err as ConfigFindingsError).findings.map((f) => f.rule)).toContain("writer-replication-listener");
    const edit = lab[HS].replace(`server_name: "fleet.test"`, "server_name: «masked»");
    expect(edit).not.toBe(lab[HS]);
    const stray = thrown(() => save({ [HS]: edit }));
    expect(stray).toBeInstanceOf(ConfigFindingsError);
    expect((stray as ConfigFindingsError).findings.map((f) => f.rule)).toEqual(["masked-value-unknown"]);
  });

  it("a metrics port change moves the worker's Prometheus target in the same plan", () => {
    const plan = save({ [GW]: lab[GW].replace("port: 9001", "port: 9011") });
    const targets = plan.files.find((f) => f.path === "prometheus/synapse-targets.json")!;
    expect(targets.after).toContain("synapse-worker-generic:9011");
    expect(targets.after).not.toContain(":9001");
    expect(targets.after).toContain("synapse:9000");
    expect(stepLines(plan)).toEqual(["write_files", "restart generic_worker1", "wait_healthy generic_worker1"]);
  });

  it("an http port change re-creates a dashboard-made worker with the new published port and Traefik label; a compose-made one is warned about", () => {
    const compose = save({ [GW]: lab[GW].replace("port: 8009", "port: 8019") });
    expect(stepLines(compose)).toEqual(["write_files", "restart generic_worker1", "wait_healthy generic_worker1"]);
    expect(compose.warnings.join(" ")).toMatch(/docker compose: change its published port/);

    const snapshot = labSnapshot();
    const gw = snapshot.processes.find((p) => p.name === "generic_worker1")!;
    gw.container = { ...gw.container!, managedByFleet: true, labels: { ...gw.container!.labels, "traefik.http.services.synapse-client.loadbalancer.server.port": "8009" } };
    const edits = { [GW]: lab[GW].replace("port: 8009", "port: 8019") };
    const plan = planIntent({ kind: "edit_files", files: [{ path: GW, baseVersion: fileVersion(lab[GW]) }] }, { snapshot, edits });
    expect(stepLines(plan)).toEqual(["stop generic_worker1", "remove_container generic_worker1", "write_files", "create_container generic_worker1", "start generic_worker1", "wait_healthy generic_worker1"]);
    const create = plan.steps.find((s) => s.kind === "create_container");
    if (create?.kind !== "create_container") throw new Error("no create step");
    expect(create.spec.ports.find((p) => p.container === 8019)).toMatchObject({ host: 8019 });
    expect(create.spec.labels["traefik.http.services.synapse-client.loadbalancer.server.port"]).toBe("8019");
    expect(() => save({ [GW]: lab[GW].replace("port: 8009", "port: 8008") })).toThrow(/already a listener/);
  });

  it("refuses a rename, the targets file and files it does not manage", () => {
    expect(() => save({ [GW]: lab[GW].replace("worker_name: generic_worker1", "worker_name: gw9") })).toThrow(/worker_name cannot change/);
    expect(() => save({ "prometheus/synapse-targets.json": "[]" })).toThrow(/read-only/);
    expect(() => planIntent({ kind: "edit_files", files: [{ path: "media_store/x", baseVersion: "x" }] }, { snapshot: labSnapshot(), edits: { "media_store/x": "" } })).toThrow(/not a config file/);
    expect(() => planIntent({ kind: "edit_files", files: [{ path: GW, baseVersion: fileVersion(lab[GW]) }] }, { snapshot: labSnapshot() })).toThrow(/no content/);
  });
});

describe("saving edited config files behind an nginx entrypoint", () => {
  /** The lab behind an nginx entrypoint whose file is what the route table renders for it now. */
  function withLb(snapshot: DeploymentSnapshot): DeploymentSnapshot {
    snapshot.loadBalancer = { kind: "nginx", name: "fleetlab-lb", containerId: "lb-id", state: "running", configFile: DEFAULT_LB_CONFIG, check: { ok: true, message: "ok" } };
    const dep = readDeployment(snapshot);
    snapshot.files[DEFAULT_LB_CONFIG] = renderLbConfig(dep, snapshot.loadBalancer, dep.workers.flatMap((w) => upstreamOfWorker(w) ?? []));
    return snapshot;
  }
  const saveBehindLb = (snapshot: DeploymentSnapshot, edits: Record<string, string>) =>
    planIntent({ kind: "edit_files", files: Object.keys(edits).map((path) => ({ path, baseVersion: fileVersion(snapshot.files[path]) })) }, { snapshot, edits });
  const reloads = (plan: Plan) => plan.steps.filter((s): s is Extract<Step, { kind: "reload_lb" }> => s.kind === "reload_lb");

  it("a routed worker's new http port: drained before it restarts, routed to on the new port once it answers", () => {
    const snapshot = withLb(labSnapshot());
    const plan = saveBehindLb(snapshot, { [GW]: lab[GW].replace("port: 8009", "port: 8019") });
    expect(stepLines(plan)).toEqual(["reload_lb fleetlab-lb", "write_files", "restart generic_worker1", "wait_healthy generic_worker1", "reload_lb fleetlab-lb"]);
    const [drain, back] = reloads(plan);
    expect(drain.before).toBe(snapshot.files[DEFAULT_LB_CONFIG]);
    expect(drain.after).not.toContain("# generic_worker1");
    expect(back.before).toBe(drain.after);
    expect(back.after).toContain("server synapse-worker-generic:8019 resolve; # generic_worker1");
    expect(back.after).not.toContain(":8009");
  });

  it("a re-created dashboard-made worker is drained before it stops", () => {
    const snapshot = withLb(labSnapshot());
    const gw = snapshot.processes.find((p) => p.name === "generic_worker1")!;
    gw.container = { ...gw.container!, managedByFleet: true };
    const plan = saveBehindLb(snapshot, { [GW]: lab[GW].replace("port: 8009", "port: 8019") });
    expect(stepLines(plan)[0]).toBe("reload_lb fleetlab-lb");
    expect(stepLines(plan).slice(1, 3)).toEqual(["stop generic_worker1", "remove_container generic_worker1"]);
    expect(stepLines(plan).at(-1)).toBe("reload_lb fleetlab-lb");
  });

  it("a homeserver.yaml change nginx follows (max_upload_size) reloads it once, after the restarts", () => {
    const snapshot = withLb(labSnapshot());
    const plan = saveBehindLb(snapshot, { [HS]: lab[HS] + "max_upload_size: 100M\n" });
    expect(reloads(plan)).toHaveLength(1);
    expect(stepLines(plan).at(-1)).toBe("reload_lb fleetlab-lb");
    expect(reloads(plan)[0].after).toContain("client_max_body_size 100m;");
  });

  it("an edit that changes nothing nginx is given leaves it alone, even when its file fails nginx -t", () => {
    const snapshot = withLb(labSnapshot());
    snapshot.loadBalancer = { ...snapshot.loadBalancer!, check: { ok: false, message: "broken" } };
    const plan = saveBehindLb(snapshot, { [GW]: lab[GW].replace("port: 9001", "port: 9011") });
    expect(reloads(plan)).toEqual([]);
    expect(() => saveBehindLb(snapshot, { [GW]: lab[GW].replace("port: 8009", "port: 8019") })).toThrow(/fails nginx -t in fleetlab-lb: broken/);
  });
});
