import { describe, expect, it } from "vitest";
import { planIntent } from "./plan";
import { labSnapshot } from "./fixtures/lab";
import { stepLines } from "./fixtures/plan-helpers";
import { readDeployment } from "./deployment";
import { DEFAULT_LB_CONFIG, renderLbConfig, upstreamOfWorker } from "./plan-lb";
import type { DeploymentSnapshot, Plan, Step } from "./plan-schema";

describe("start, stop, restart", () => {
  it("restart is one step then a health wait", () => {
    const plan = planIntent({ kind: "restart", name: "media_worker" }, { snapshot: labSnapshot() });
    expect(stepLines(plan)).toEqual(["restart media_worker", "wait_healthy media_worker"]);
    expect(plan.restarts).toEqual([{ process: "media_worker", reason: "asked by the operator" }]);
    expect(plan.destructive).toBe(true);
  });

  it("stop waits for nothing and warns about a stopped stream writer", () => {
    const plan = planIntent({ kind: "stop", name: "generic_worker1" }, { snapshot: labSnapshot() });
    expect(stepLines(plan)).toEqual(["stop generic_worker1"]);
    expect(plan.warnings.join(" ")).toMatch(/hang 20 s/);
    expect(plan.expected.map((p) => p.name)).not.toContain("generic_worker1");
  });

  it("start refuses a running process and starts a stopped one", () => {
    expect(() => planIntent({ kind: "start", name: "main" }, { snapshot: labSnapshot() })).toThrow(/already running/);
    const snapshot = labSnapshot();
    snapshot.processes[2].state = "exited";
    const plan = planIntent({ kind: "start", name: "media_worker" }, { snapshot });
    expect(stepLines(plan)).toEqual(["start media_worker", "wait_healthy media_worker"]);
    expect(plan.destructive).toBe(false);
  });

  it("refuses an unknown process", () => {
    expect(() => planIntent({ kind: "restart", name: "ghost" }, { snapshot: labSnapshot() })).toThrow(/no process named ghost/);
  });
});

/** The lab behind an nginx entrypoint whose file is what the route table renders for it now. */
function withLb(snapshot: DeploymentSnapshot = labSnapshot()): DeploymentSnapshot {
  const out: DeploymentSnapshot = {
    ...snapshot,
    loadBalancer: { kind: "nginx", name: "fleetlab-lb", containerId: "lb-id", state: "running", configFile: DEFAULT_LB_CONFIG, check: { ok: true, message: "ok" } },
  };
  const dep = readDeployment(out);
  out.files = { ...out.files, [DEFAULT_LB_CONFIG]: renderLbConfig(dep, out.loadBalancer!, dep.workers.flatMap((w) => upstreamOfWorker(w) ?? [])) };
  return out;
}
const reloads = (plan: Plan) => plan.steps.filter((s): s is Extract<Step, { kind: "reload_lb" }> => s.kind === "reload_lb");
const membersOf = (text: string) => [...new Set([...text.matchAll(/^\s*server \S+(?: resolve)?; # (\S+)$/gm)].map((m) => m[1]))].sort();

describe("start, stop, restart behind an nginx entrypoint", () => {
  it("a stop routes away from the worker first (the same drain as a removal), then stops it", () => {
    const snapshot = withLb();
    const plan = planIntent({ kind: "stop", name: "media_worker" }, { snapshot });
    expect(stepLines(plan)).toEqual(["reload_lb fleetlab-lb", "stop media_worker"]);
    const [drain] = reloads(plan);
    expect(drain.before).toBe(snapshot.files[DEFAULT_LB_CONFIG]);
    expect(membersOf(drain.after)).toEqual(["generic_worker1", "main"]);
    expect(drain.reason).toBe("route away from media_worker before stopping it");
  });

  it("a start routes to the worker once it answers /health", () => {
    const stopped = labSnapshot();
    stopped.processes = stopped.processes.map((p) => (p.name === "generic_worker1" ? { ...p, state: "exited" } : p));
    const snapshot = withLb(stopped);
    expect(membersOf(snapshot.files[DEFAULT_LB_CONFIG])).toEqual(["main", "media_worker"]);
    const plan = planIntent({ kind: "start", name: "generic_worker1" }, { snapshot });
    expect(stepLines(plan)).toEqual(["start generic_worker1", "wait_healthy generic_worker1", "reload_lb fleetlab-lb"]);
    expect(membersOf(reloads(plan)[0].after)).toEqual(["generic_worker1", "main", "media_worker"]);
    expect(reloads(plan)[0].before).toBe(snapshot.files[DEFAULT_LB_CONFIG]);
  });

  it("a restart drains the worker, restarts it, waits for it, then routes to it again: the file ends as it began", () => {
    const snapshot = withLb();
    const plan = planIntent({ kind: "restart", name: "generic_worker1" }, { snapshot });
    expect(stepLines(plan)).toEqual(["reload_lb fleetlab-lb", "restart generic_worker1", "wait_healthy generic_worker1", "reload_lb fleetlab-lb"]);
    const [drain, back] = reloads(plan);
    expect(membersOf(drain.after)).toEqual(["main", "media_worker"]);
    expect(drain.reason).toBe("route away from generic_worker1 while it restarts");
    expect(back.before).toBe(drain.after);
    expect(back.after).toBe(snapshot.files[DEFAULT_LB_CONFIG]);
  });

  it("main and workers nginx does not route (a federation sender) change nothing of the entrypoint", () => {
    const snapshot = withLb();
    expect(reloads(planIntent({ kind: "restart", name: "main" }, { snapshot }))).toEqual([]);
    expect(reloads(planIntent({ kind: "stop", name: "federation_sender1" }, { snapshot }))).toEqual([]);
  });

  it("refuses a lifecycle plan on a config nginx -t already rejects, with its message", () => {
    const snapshot = withLb();
    snapshot.loadBalancer = { ...snapshot.loadBalancer!, check: { ok: false, message: 'unknown directive "x"' } };
    expect(() => planIntent({ kind: "stop", name: "media_worker" }, { snapshot })).toThrow(/fails nginx -t in fleetlab-lb: unknown directive "x"/);
  });
});
