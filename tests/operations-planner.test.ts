// The facade end to end against the REAL lab: the planner's plan for an intent, applied,
// recorded, then undone by restoring the operation's "before" snapshot.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb } from "@/lib/db";
import { getOperation, listHistory, PlanChangedError, previewPlan, startOperation, subscribeOperation } from "@/lib/operations";
import { captureSnapshot } from "@/lib/operations/snapshot";
import type { Operation } from "@/lib/synapse/plan-schema";
import { docker, eventually, readTree, requireLab } from "./lab-env";

const NAME = "ops_test_planned";
let configDir: string;
let dataDir: string;
let pristine: Map<string, Buffer>;


const leftovers = () => docker("ps", "-a", "--filter", `label=io.synapse-fleet.worker=${NAME}`, "--format", "{{.Names}}").split("\n").filter(Boolean);

beforeAll(async () => {
  ({ configDir } = requireLab());
  dataDir = mkdtempSync(path.join(os.tmpdir(), "fleet-ops-planner-"));
  process.env.FLEET_DATA_DIR = dataDir;
  delete process.env.DATABASE_URL;
  await eventually(async () => (await captureSnapshot()).processes.filter((p) => p.state === "running").length >= 4, 90_000, "the lab running");
  pristine = readTree(configDir);
});

afterAll(async () => {
  for (const c of leftovers()) docker("rm", "-f", c);
  const now = readTree(configDir);
  for (const [rel, bytes] of pristine) if (!now.get(rel)?.equals(bytes)) writeFileSync(path.join(configDir, rel), bytes);
  for (const rel of now.keys()) if (!pristine.has(rel) && rel.includes(NAME)) rmSync(path.join(configDir, rel));
  await closeDb();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the operations facade with the planner", () => {
  it("previews a plan without touching anything, secrets masked", async () => {
    const { plan } = await previewPlan({ kind: "rollback_to_single_process" });
    const hs = plan.files.find((f) => f.path === "homeserver.yaml");
    expect(hs?.before).toContain("«masked»");
    expect(readTree(configDir)).toEqual(pristine);
  });

  it("applies only the plan that was previewed: a deployment changed in between gets 409 plan_changed with the new plan, and nothing is done", async () => {
    const intent = { kind: "add_worker", type: "generic", name: NAME } as const;
    const first = await previewPlan(intent);
    expect((await previewPlan(intent)).fingerprint).toBe(first.fingerprint);
    const targets = path.join(configDir, "prometheus/synapse-targets.json");
    const original = readFileSync(targets);
    const ops = (await listHistory({ limit: 200 })).length;
    try {
      // Someone else's change: the plan would now write a different targets file.
      writeFileSync(targets, Buffer.concat([original, Buffer.from("\n")]));
      const changed = await previewPlan(intent);
      expect(changed.fingerprint).not.toBe(first.fingerprint);
      const before = readTree(configDir);
      const err = (await startOperation(intent, "tester", { expect: first.fingerprint }).then(() => null, (e: unknown) => e)) as PlanChangedError;
      expect(err).toBeInstanceOf(PlanChangedError);
      expect(err.code).toBe("conflict");
      expect(err.details).toMatchObject({ reason: "plan_changed", fingerprint: changed.fingerprint });
      expect(err.details!.plan).toEqual(changed.plan);
      expect(readTree(configDir)).toEqual(before);
      expect(leftovers()).toEqual([]);
      expect((await listHistory({ limit: 200 })).length).toBe(ops);
    } finally {
      writeFileSync(targets, original);
    }
  });

  it("adds a generic worker the planner planned, then restores the snapshot from before it", async () => {
    const seen: Operation[] = [];
    const t0 = Date.now();
    // Applied as previewed: the preview's fingerprint goes back with the apply.
    const { fingerprint } = await previewPlan({ kind: "add_worker", type: "generic", name: NAME });
    const started = await startOperation({ kind: "add_worker", type: "generic", name: NAME }, "tester", { expect: fingerprint });
    const added = await eventually(async () => {
      const op = await getOperation(started.operationId);
      return op && op.status !== "applying" ? op : null;
    }, 180_000, "the add to finish");
    const seconds = (Date.now() - t0) / 1000;
    expect(added.error).toBeNull();
    expect(added.status).toBe("succeeded");
    console.log(`[timing] planned add worker: ${seconds.toFixed(1)} s end to end (${added.steps.at(-1)?.message})`);
    expect(leftovers()).toHaveLength(1);
    expect(readTree(configDir).has(`workers/${NAME}.yaml`)).toBe(true);

    const history = await listHistory({ limit: 10 });
    expect(history[0].id).toBe(added.id);
    expect(await listHistory({ limit: 10, before: added.id })).not.toContainEqual(expect.objectContaining({ id: added.id }));

    // Restore through the background path, followed live as the API's event stream follows it.
    const { operationId } = await startOperation({ kind: "restore", operationId: added.id, point: "before" }, "tester");
    const unsubscribe = subscribeOperation(operationId, (op) => seen.push(op));
    const restored = await eventually(async () => {
      const op = await getOperation(operationId);
      return op && op.status !== "applying" ? op : null;
    }, 180_000, "the restore to finish");
    unsubscribe();
    expect(restored.error).toBeNull();
    expect(restored.status).toBe("succeeded");
    expect(restored.restoreOf).toBe(added.id);
    expect(leftovers()).toEqual([]);
    expect(readTree(configDir)).toEqual(pristine);
    await eventually(async () => seen.at(-1)?.status === "succeeded", 5_000, "the last event");
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.some((op) => op.steps.some((s) => s.status === "running"))).toBe(true);
  }, 300_000);
});
