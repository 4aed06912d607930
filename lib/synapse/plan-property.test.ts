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

/**
 * A plan that creates, starts or restarts a process ends with one wait until every one of them
 * answers: without it an operation reports success while a process is still down (or crashed).
 */
function expectHealthWait(plan: Plan, after: DeploymentSnapshot): void {
  const label = plan.summary;
  const started = new Set(plan.steps.flatMap((s) => (s.kind === "start" || s.kind === "restart" || s.kind === "create_container" ? [s.process] : [])));
  const waits = plan.steps.filter((s) => s.kind === "wait_healthy");
  if (started.size === 0) {
    expect(waits, label).toEqual([]);
    return;
  }
  expect(waits, `${label}: one health wait`).toHaveLength(1);
  const last = plan.steps.at(-1)!;
  expect(last.kind, `${label}: the wait is the last step`).toBe("wait_healthy");
  if (last.kind !== "wait_healthy") return;
  expect(last.timeoutMs, label).toBeGreaterThan(0);
  expect([...started].filter((p) => !last.processes.includes(p)), `${label}: started but not waited for`).toEqual([]);
  const afterNames = new Set(after.processes.map((p) => p.name));
  expect(last.processes.filter((p) => !afterNames.has(p)), `${label}: waited for but gone`).toEqual([]);
}

function checkPlan(plan: Plan, before: DeploymentSnapshot): void {
  planSchema.parse(plan);
  const after = applied(before, plan);
  expect(errorsOf(validateDeployment(after.files)), `${plan.summary}`).toEqual([]);
  expect(plan.steps.filter((s) => s.kind === "write_files").length).toBeLessThanOrEqual(1);
  const created = new Set(plan.steps.flatMap((s) => (s.kind === "create_container" ? [s.process] : [])));
  const removed = new Set(plan.steps.flatMap((s) => (s.kind === "remove_container" ? [s.process] : [])));
  for (const r of plan.restarts) expect(created.has(r.process) || removed.has(r.process)).toBe(false);
  expectHealthWait(plan, after);
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

type Refusal = { code: PlanError["code"]; message: RegExp };

/** Kinds a deployment takes at most one of: the guide's singletons and the single-writer streams. */
const singletons = ["user_dir", "appservice", "background_worker", "typing_writer", "to_device_writer", "account_data_writer", "presence_writer", "push_rules_writer"] as const;
const tooMany = (kind: string): [string, Refusal] => [JSON.stringify({ kind: "scale", type: kind, count: 2 }), { code: "limit", message: /takes at most 1 / }];
const noneToRemove = (kind: string): [string, Refusal] => [JSON.stringify({ kind: "scale", type: kind, count: 0 }), { code: "conflict", message: /there are already 0 / }];

/**
 * Every intent of the list that each deployment must refuse, and how. Anything not here must plan
 * (and pass checkPlan); anything here must be refused with this code — a refusal is a promise too.
 */
const expectedRefusals: Record<"lab" | "single mode", Map<string, Refusal>> = {
  // The lab has generic_worker1 (writer of typing, to_device, account_data, receipts, presence),
  // media_worker and federation_sender1, and is the small preset already.
  lab: new Map([
    ...["typing", "to_device", "account_data", "presence"].map((stream): [string, Refusal] => [
      JSON.stringify({ kind: "add_worker", type: `${stream}_writer` }),
      { code: "conflict", message: new RegExp(`the ${stream} stream already has its writer \\(generic_worker1\\)`) },
    ]),
    ...singletons.map(tooMany),
    ...workerKinds.filter((k) => !["generic", "media", "federation_sender"].includes(k)).map(noneToRemove),
    [JSON.stringify({ kind: "preset", preset: "small" }), { code: "conflict", message: /already matches the small preset/ }],
  ]),
  // Main alone: no worker of any kind, nothing to remove or roll back.
  "single mode": new Map([
    ...singletons.map(tooMany),
    ...workerKinds.map(noneToRemove),
    ...["generic_worker1", "media_worker", "federation_sender1"].map((name): [string, Refusal] => [
      JSON.stringify({ kind: "remove_worker", name }),
      { code: "not_found", message: new RegExp(`no worker named ${name}`) },
    ]),
    [JSON.stringify({ kind: "rollback_to_single_process" }), { code: "conflict", message: /already runs as a single process/ }],
  ]),
};

describe("every plan leaves a valid config", () => {
  for (const [label, make] of [["lab", labSnapshot], ["single mode", singleSnapshot]] as const) {
    it(`for each intent on the ${label} deployment: exactly the expected ones refused, with their code`, () => {
      const expected = expectedRefusals[label];
      // Every expected refusal names an intent of the list (a typo would make it vacuous).
      expect([...expected.keys()].filter((k) => !intents.some((i) => JSON.stringify(i) === k))).toEqual([]);
      const refused: string[] = [];
      for (const intent of intents) {
        const key = JSON.stringify(intent);
        const snapshot = make();
        let plan: Plan;
        try {
          plan = planIntent(intent, { snapshot });
        } catch (err) {
          expect(err, key).toBeInstanceOf(PlanError);
          const { code, message } = err as PlanError;
          refused.push(key);
          const want = expected.get(key);
          expect(want, `${key} was refused: ${message}`).toBeDefined();
          expect(code, key).toBe(want!.code);
          expect(message, key).toMatch(want!.message);
          continue;
        }
        expect(expected.has(key), `${key} was planned, but must be refused`).toBe(false);
        checkPlan(plan, snapshot);
      }
      expect(refused.sort()).toEqual([...expected.keys()].sort());
    });
  }

  it("the check itself fails a plan that lost its health wait or waits for too few", () => {
    const snapshot = labSnapshot();
    const plan = planIntent({ kind: "add_worker", type: "generic" }, { snapshot });
    const withoutWait = { ...plan, steps: plan.steps.filter((s) => s.kind !== "wait_healthy") };
    expect(() => checkPlan(withoutWait, snapshot)).toThrow(/one health wait/);
    const partial = { ...plan, steps: plan.steps.map((s) => (s.kind === "wait_healthy" ? { ...s, processes: s.processes.slice(1) } : s)) };
    expect(() => checkPlan(partial, snapshot)).toThrow(/started but not waited for/);
    checkPlan(plan, snapshot);
  });

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
