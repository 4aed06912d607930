import { describe, expect, it } from "vitest";
import { labSnapshot } from "./fixtures/lab";
import { stepLines } from "./fixtures/plan-helpers";
import { planIntent } from "./plan";
import { DEFAULT_LB_CONFIG, lbConfigFromLabels, lbSteps as lbStepsOf, renderLbConfig } from "./plan-lb";
import { readDeployment } from "./deployment";
import { PlanError, type DeploymentSnapshot, type Plan, type Step } from "./plan-schema";

/** The lab with an nginx entrypoint whose file is what the route table renders for it now. */
function lbSnapshot(opts: { check?: { ok: boolean; message: string } | null; state?: string; file?: string | null } = {}): DeploymentSnapshot {
  const snapshot: DeploymentSnapshot = {
    ...labSnapshot(),
    loadBalancer: { kind: "nginx", name: "fleetlab-lb", containerId: "lb-id", state: opts.state ?? "running", configFile: DEFAULT_LB_CONFIG, check: opts.check ?? { ok: true, message: "ok" } },
  };
  const dep = readDeployment(snapshot);
  const rendered = renderLbConfig(dep, snapshot.loadBalancer!, [{ name: "generic_worker1", kind: "generic", host: "synapse-worker-generic", port: 8009 }, { name: "media_worker", kind: "media", host: "synapse-worker-media", port: 8010 }]);
  if (opts.file !== null) snapshot.files[DEFAULT_LB_CONFIG] = opts.file ?? rendered;
  return snapshot;
}

const lbSteps = (plan: Plan) => plan.steps.filter((s): s is Extract<Step, { kind: "reload_lb" }> => s.kind === "reload_lb");
/** The workers a config routes to: its upstream members' names. */
const membersOf = (text: string) => [...new Set([...text.matchAll(/^\s*server \S+(?: resolve)?; # (\S+)$/gm)].map((m) => m[1]))].sort();

describe("plans of a deployment with an nginx entrypoint", () => {
  it("the lab's file names the lab's routed workers, main behind location /", () => {
    const text = lbSnapshot().files[DEFAULT_LB_CONFIG];
    expect(membersOf(text)).toEqual(["generic_worker1", "main", "media_worker"]);
    expect(text).toContain("server synapse-worker-generic:8009 resolve; # generic_worker1");
    expect(text).toContain("listen 8080;");
  });

  it("an add routes to the new worker only after it is created, started and healthy", () => {
    const plan = planIntent({ kind: "add_worker", type: "generic" }, { snapshot: lbSnapshot() });
    expect(stepLines(plan)).toEqual(["write_files", "create_container generic_worker2", "start generic_worker2", "wait_healthy generic_worker2", "reload_lb fleetlab-lb"]);
    const [reload] = lbSteps(plan);
    expect(reload.path).toBe(DEFAULT_LB_CONFIG);
    expect(reload.before).toBe(lbSnapshot().files[DEFAULT_LB_CONFIG]);
    expect(membersOf(reload.after)).toEqual(["generic_worker1", "generic_worker2", "main", "media_worker"]);
    // By its network alias and http port, as nginx resolves it on the deployment's network.
    const spec = plan.steps.find((s) => s.kind === "create_container")!;
    const port = spec.kind === "create_container" ? spec.spec.networks[0].aliases[0] : "";
    expect(reload.after).toMatch(new RegExp(`server ${port}:\\d+ resolve; # generic_worker2`));
    // The lb file is the step's to write: write_files leaves it alone.
    expect(plan.files.map((f) => f.path)).not.toContain(DEFAULT_LB_CONFIG);
  });

  it("a remove routes away first (drain), then stops and removes the worker", () => {
    const plan = planIntent({ kind: "remove_worker", name: "media_worker" }, { snapshot: lbSnapshot() });
    expect(stepLines(plan)).toEqual(["reload_lb fleetlab-lb", "stop media_worker", "remove_container media_worker", "write_files", "restart main", "wait_healthy main"]);
    expect(membersOf(lbSteps(plan)[0].after)).toEqual(["generic_worker1", "main"]);
  });

  it("a worker nginx does not route (federation sender) changes nothing of the entrypoint", () => {
    const plan = planIntent({ kind: "remove_worker", name: "federation_sender1" }, { snapshot: lbSnapshot() });
    expect(lbSteps(plan)).toEqual([]);
  });

  it("a preset routes to every routed kind it adds, in one reload after they all answer", () => {
    const plan = planIntent({ kind: "preset", preset: "one_of_each" }, { snapshot: lbSnapshot() });
    expect(lbSteps(plan)).toHaveLength(1);
    expect(stepLines(plan).at(-1)).toBe("reload_lb fleetlab-lb");
    expect(membersOf(lbSteps(plan)[0].after)).toEqual([
      "client_reader1", "event_creator1", "federation_inbound1", "federation_reader1", "generic_worker1", "main", "media_worker", "synchrotron1", "user_dir1",
    ]);
  });

  it("a change that adds and removes routed workers reloads twice: drained of the removed, then with the added", () => {
    const snapshot = lbSnapshot();
    const dep = readDeployment(snapshot);
    const u = (name: string, kind: "generic" | "media" | "synchrotron", host: string, port: number) => ({ name, kind, host, port });
    const staying = [u("generic_worker1", "generic", "synapse-worker-generic", 8009)];
    const out = lbStepsOf(dep, staying, [u("synchrotron1", "synchrotron", "synchrotron1", 8100)], [u("media_worker", "media", "synapse-worker-media", 8010)]);
    expect(out.drain?.kind).toBe("reload_lb");
    expect(out.final?.kind).toBe("reload_lb");
    const drain = out.drain as Extract<Step, { kind: "reload_lb" }>;
    const final = out.final as Extract<Step, { kind: "reload_lb" }>;
    expect(drain.before).toBe(snapshot.files[DEFAULT_LB_CONFIG]);
    expect(membersOf(drain.after)).toEqual(["generic_worker1", "main"]);
    expect(final.before).toBe(drain.after);
    expect(membersOf(final.after)).toEqual(["generic_worker1", "main", "synchrotron1"]);
    expect(out.warnings).toEqual([]);
  });

  it("scale down to zero drains before any stop", () => {
    const snapshot = lbSnapshot();
    const plan = planIntent({ kind: "scale", type: "generic", count: 0 }, { snapshot });
    expect(stepLines(plan)[0]).toBe("reload_lb fleetlab-lb");
    expect(stepLines(plan).indexOf("stop generic_worker1")).toBeGreaterThan(0);
    expect(membersOf(lbSteps(plan)[0].after)).toEqual(["main", "media_worker"]);
  });

  it("a rollback sends everything to main before the workers stop", () => {
    const plan = planIntent({ kind: "rollback_to_single_process" }, { snapshot: lbSnapshot() });
    expect(stepLines(plan)[0]).toBe("reload_lb fleetlab-lb");
    expect(lbSteps(plan)).toHaveLength(1);
    expect(membersOf(lbSteps(plan)[0].after)).toEqual(["main"]);
  });

  it("a restore after a rollback puts the recorded file back byte for byte, after the workers answer", () => {
    const before = lbSnapshot();
    const rollback = planIntent({ kind: "rollback_to_single_process" }, { snapshot: before });
    const after: DeploymentSnapshot = { ...before, files: { ...before.files }, processes: before.processes.filter((p) => p.type === "main") };
    for (const f of rollback.files) {
      if (f.after === null) delete after.files[f.path];
      else after.files[f.path] = f.after;
    }
    after.files[DEFAULT_LB_CONFIG] = lbSteps(rollback)[0].after;
    const restore = planIntent({ kind: "restore_workers" }, { snapshot: after, restoreTarget: before });
    const lines = stepLines(restore);
    expect(lines.at(-1)).toBe("reload_lb fleetlab-lb");
    expect(lines.indexOf("reload_lb fleetlab-lb")).toBeGreaterThan(lines.findIndex((l) => l.startsWith("wait_healthy")));
    expect(lbSteps(restore)[0].after).toBe(before.files[DEFAULT_LB_CONFIG]);
    expect(restore.files.map((f) => f.path)).not.toContain(DEFAULT_LB_CONFIG);
  });

  it("refuses at plan time, with nginx's own words, a config nginx -t already rejects", () => {
    const message = 'unknown directive "proxy_pas" in /etc/nginx/conf.d/synapse.conf:40';
    const snapshot = lbSnapshot({ check: { ok: false, message } });
    let thrown: unknown;
    try {
      planIntent({ kind: "add_worker", type: "generic" }, { snapshot });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(PlanError);
    expect((thrown as PlanError).message).toContain(message);
    expect((thrown as PlanError).details).toMatchObject({ reason: "nginx_config", file: DEFAULT_LB_CONFIG });
  });

  it("warns that a hand-edited file is replaced", () => {
    const snapshot = lbSnapshot({ file: `${lbSnapshot().files[DEFAULT_LB_CONFIG]}# mine\n` });
    const plan = planIntent({ kind: "add_worker", type: "generic" }, { snapshot });
    expect(plan.warnings.join(" ")).toMatch(/nginx\/synapse\.conf is not what the route table renders \(edited by hand\?\)/);
  });

  it("a stopped load balancer is left alone, with a warning", () => {
    const plan = planIntent({ kind: "add_worker", type: "generic" }, { snapshot: lbSnapshot({ state: "exited", check: null }) });
    expect(lbSteps(plan)).toEqual([]);
    expect(plan.warnings.join(" ")).toMatch(/fleetlab-lb is not running/);
  });

  it("a stopped worker is not named (nginx could not resolve it)", () => {
    const snapshot = lbSnapshot();
    snapshot.processes = snapshot.processes.map((p) => (p.name === "media_worker" ? { ...p, state: "exited" } : p));
    const plan = planIntent({ kind: "add_worker", type: "generic" }, { snapshot });
    expect(membersOf(lbSteps(plan)[0].after)).toEqual(["generic_worker1", "generic_worker2", "main"]);
  });

  it("plans without a load balancer have no reload_lb step", () => {
    const plan = planIntent({ kind: "add_worker", type: "generic" }, { snapshot: labSnapshot() });
    expect(lbSteps(plan)).toEqual([]);
  });
});

describe("lbConfigFromLabels", () => {
  const lb = { "io.synapse-fleet.role": "load-balancer", "io.synapse-fleet.lb.kind": "nginx" };
  it("takes the labelled path, nginx/synapse.conf by default, and nothing from other containers", () => {
    expect(lbConfigFromLabels(lb)).toBe("nginx/synapse.conf");
    expect(lbConfigFromLabels({ ...lb, "io.synapse-fleet.lb.config": "lb/routes.conf" })).toBe("lb/routes.conf");
    expect(lbConfigFromLabels({ "io.synapse-fleet.role": "load-balancer", "io.synapse-fleet.lb.kind": "haproxy" })).toBeNull();
    expect(lbConfigFromLabels({})).toBeNull();
  });
  it("refuses a path out of the config dir", () => {
    for (const bad of ["../etc/passwd", "/etc/nginx/nginx.conf", "nginx/../../x", "a b"]) {
      expect(() => lbConfigFromLabels({ ...lb, "io.synapse-fleet.lb.config": bad })).toThrow(/not a path inside the config directory/);
    }
  });
});
