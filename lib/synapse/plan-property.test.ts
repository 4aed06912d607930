import { describe, expect, it } from "vitest";
import { workerKinds } from "./catalogue";
import { labSnapshot, singleSnapshot } from "./fixtures/lab";
import { planIntent } from "./plan";
import { PlanError, planSchema, type DeploymentSnapshot, type Intent, type Plan } from "./plan-schema";
import { errorsOf, validateDeployment } from "./rules";

/** Applies a plan to a snapshot the way the executor would (files, created and removed containers). */
function applied(snapshot: DeploymentSnapshot, plan: Plan): DeploymentSnapshot {
  const files = { ...snapshot.files };
  for (const f of plan.files) if (f.after === null) delete files[f.path]; else files[f.path] = f.after;
  const removed = new Set(plan.steps.flatMap((s) => (s.kind === "remove_container" ? [s.process] : [])));
  const processes = snapshot.processes.filter((p) => !removed.has(p.name));
  for (const s of plan.steps) {
    if (s.kind !== "create_container") continue;
    const type = plan.expected.find((e) => e.name === s.process)?.type ?? "generic";
    processes.push({ name: s.process, type, state: "running", configFile: `workers/${s.process}.yaml`, container: { ...s.spec, id: s.process, managedByFleet: true } });
  }
  const usedHostPorts = [...snapshot.usedHostPorts, ...plan.steps.flatMap((s) => (s.kind === "create_container" ? s.spec.ports.map((p) => p.host) : []))];
  return { ...snapshot, files, processes, usedHostPorts };
}

function checkPlan(plan: Plan, before: DeploymentSnapshot): void {
  planSchema.parse(plan);
  const after = applied(before, plan);
  expect(errorsOf(validateDeployment(after.files)), `${plan.summary}`).toEqual([]);
  expect(plan.steps.filter((s) => s.kind === "write_files").length).toBeLessThanOrEqual(1);
  const created = new Set(plan.steps.flatMap((s) => (s.kind === "create_container" ? [s.process] : [])));
  const removed = new Set(plan.steps.flatMap((s) => (s.kind === "remove_container" ? [s.process] : [])));
  for (const r of plan.restarts) expect(created.has(r.process) || removed.has(r.process)).toBe(false);
  const wait = plan.steps.findIndex((s) => s.kind === "wait_healthy");
  if (wait >= 0) expect(wait).toBe(plan.steps.length - 1);
  const names = after.processes.map((p) => p.name);
  expect(new Set(names).size).toBe(names.length);
  const ports = after.processes.flatMap((p) => p.container?.ports.map((x) => x.host) ?? []);
  expect(new Set(ports).size).toBe(ports.length);
}

const intents: Intent[] = [
  ...workerKinds.map((type): Intent => ({ kind: "add_worker", type })),
  ...workerKinds.map((type): Intent => ({ kind: "scale", type, count: 2 })),
  ...workerKinds.map((type): Intent => ({ kind: "scale", type, count: 0 })),
  { kind: "preset", preset: "small" },
  { kind: "preset", preset: "medium" },
  { kind: "preset", preset: "large" },
  { kind: "preset", preset: "one_of_each" },
  { kind: "remove_worker", name: "generic_worker1" },
  { kind: "remove_worker", name: "media_worker" },
  { kind: "remove_worker", name: "federation_sender1" },
  { kind: "rollback_to_single_process" },
  { kind: "restart", name: "main" },
];

describe("every plan leaves a valid config", () => {
  for (const [label, make] of [["lab", labSnapshot], ["single mode", singleSnapshot]] as const) {
    it(`for each intent on the ${label} deployment`, () => {
      let planned = 0;
      for (const intent of intents) {
        const snapshot = make();
        let plan: Plan;
        try {
          plan = planIntent(intent, { snapshot });
        } catch (err) {
          expect(err, JSON.stringify(intent)).toBeInstanceOf(PlanError);
          if (process.env.SHOW_REFUSALS) console.log(label, JSON.stringify(intent), (err as Error).message);
          continue;
        }
        checkPlan(plan, snapshot);
        planned++;
      }
      expect(planned).toBeGreaterThan(35);
    });
  }

  it("for a long chain of intents, each applied to the result of the last", () => {
    let snapshot = singleSnapshot();
    const chain: Intent[] = [
      { kind: "preset", preset: "small" },
      { kind: "add_worker", type: "typing_writer" },
      { kind: "add_worker", type: "event_persister" },
      { kind: "scale", type: "generic", count: 3 },
      { kind: "add_worker", type: "media" },
      { kind: "remove_worker", name: "media_worker1" },
      { kind: "scale", type: "event_persister", count: 2 },
      { kind: "add_worker", type: "pusher" },
      { kind: "scale", type: "federation_sender", count: 0 },
      { kind: "remove_worker", name: "typing_writer1" },
      { kind: "preset", preset: "one_of_each" },
      { kind: "rollback_to_single_process" },
      { kind: "preset", preset: "large" },
    ];
    for (const intent of chain) {
      const plan = planIntent(intent, { snapshot });
      checkPlan(plan, snapshot);
      snapshot = applied(snapshot, plan);
    }
    expect(snapshot.processes.map((p) => p.name).sort()).toEqual(
      ["main", "generic_worker1", "generic_worker2", "generic_worker3", "generic_worker4", "generic_worker5", "media_worker1", "media_worker2", "media_worker3",
        "federation_sender1", "federation_sender2", "federation_sender3", "event_persister1", "event_persister2"].sort(),
    );
  });
});
