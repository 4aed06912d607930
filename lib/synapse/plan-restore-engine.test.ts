import { describe, expect, it } from "vitest";
import { planIntent } from "./plan";
import { labSnapshot, singleSnapshot } from "./fixtures/lab";
import { createdSpec } from "./fixtures/plan-helpers";
import type { DeploymentSnapshot } from "./plan-schema";

const engine = { config: { Healthcheck: { Test: ["CMD", "curl", "-fsS", "http://localhost:8009/health"] } }, hostConfig: { CapDrop: ["ALL"] } };

/** The lab with workers, each container recorded with or without its engine record. */
function recorded(withEngine: boolean): DeploymentSnapshot {
  const snap = labSnapshot();
  return { ...snap, processes: snap.processes.map((p) => (p.container && withEngine ? { ...p, container: { ...p.container, engine } } : p)) };
}

describe("restoring containers recorded with and without their engine record", () => {
  it("re-creates a container with its recorded healthcheck and hardening", () => {
    const plan = planIntent({ kind: "restore", operationId: "op1", point: "before" }, { snapshot: singleSnapshot(), restoreTarget: recorded(true) });
    expect(createdSpec(plan, "generic_worker1").engine).toEqual(engine);
    expect(plan.warnings.filter((w) => w.includes("full container definition"))).toEqual([]);
  });

  it("warns, per container, when the snapshot predates the record", () => {
    const plan = planIntent({ kind: "restore", operationId: "op1", point: "before" }, { snapshot: singleSnapshot(), restoreTarget: recorded(false) });
    const warned = plan.warnings.filter((w) => w.includes("full container definition"));
    expect(warned).toHaveLength(3);
    expect(warned[0]).toMatch(/without its healthcheck, hardening/);
  });
});
