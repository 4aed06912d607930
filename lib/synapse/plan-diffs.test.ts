import { describe, expect, it } from "vitest";
import { readDeployment } from "./deployment";
import { labSnapshot } from "./fixtures/lab";
import { planIntent } from "./plan";
import { planFileDiffs } from "./plan-diffs";
import { DEFAULT_LB_CONFIG, renderLbConfig, upstreamOfWorker } from "./plan-lb";
import type { DeploymentSnapshot, Plan } from "./plan-schema";
import { MASK, maskPlan } from "./secrets";

function withLb(): DeploymentSnapshot {
  const snapshot: DeploymentSnapshot = {
    ...labSnapshot(),
    loadBalancer: { kind: "nginx", name: "fleetlab-lb", containerId: "lb-id", state: "running", configFile: DEFAULT_LB_CONFIG, check: { ok: true, message: "ok" } },
  };
  const dep = readDeployment(snapshot);
  snapshot.files = { ...snapshot.files, [DEFAULT_LB_CONFIG]: renderLbConfig(dep, snapshot.loadBalancer!, dep.workers.flatMap((w) => upstreamOfWorker(w) ?? [])) };
  return snapshot;
}

describe("the diffs a plan preview shows", () => {
  it("a plan's own files, then the lb file once per reload step, in step order, with the step's reason", () => {
    const snapshot = withLb();
    const plan = planIntent({ kind: "remove_worker", name: "media_worker" }, { snapshot });
    const diffs = planFileDiffs(plan);
    expect(diffs.slice(0, plan.files.length).map((d) => d.change)).toEqual(plan.files);
    const lb = diffs.filter((d) => d.change.path === DEFAULT_LB_CONFIG);
    expect(lb).toHaveLength(1);
    expect(lb[0].change.before).toBe(snapshot.files[DEFAULT_LB_CONFIG]);
    expect(lb[0].change.after).not.toContain("# media_worker");
    expect(lb[0].note).toBe("step 1, route away from media_worker before stopping it");
    expect(new Set(diffs.map((d) => d.key)).size).toBe(diffs.length);
  });

  it("a restart's drain and route-back are two diffs of the one file", () => {
    const plan = planIntent({ kind: "restart", name: "generic_worker1" }, { snapshot: withLb() });
    const diffs = planFileDiffs(plan);
    expect(diffs.map((d) => d.note)).toEqual(["step 1, route away from generic_worker1 while it restarts", "step 4, route to generic_worker1 now that it answers"]);
    expect(diffs[0].change.after).toBe(diffs[1].change.before);
  });

  it("a plan that does not touch the entrypoint shows only its files", () => {
    const plan = planIntent({ kind: "add_worker", type: "generic" }, { snapshot: labSnapshot() });
    expect(planFileDiffs(plan).map((d) => d.change.path)).toEqual(plan.files.map((f) => f.path));
  });

  it("a masked plan gives masked lb diffs, as it does files", () => {
    const plan = planIntent({ kind: "stop", name: "media_worker" }, { snapshot: withLb() });
    const secret = '    proxy_set_header Authorization "Bearer syt_YWxpY2U_aBcDeFgHiJkLmNoPqRsT_1a2B3c";\n';
    const tainted: Plan = { ...plan, steps: plan.steps.map((s) => (s.kind === "reload_lb" ? { ...s, before: `${s.before}${secret}`, after: `${s.after}${secret}` } : s)) };
    const [diff] = planFileDiffs(maskPlan(tainted));
    for (const text of [diff.change.before!, diff.change.after!]) {
      expect(text).toContain(MASK);
      expect(text).not.toContain("aBcDeFgHiJkLmNoPqRsT");
    }
  });
});
