// Issue #11 §1 as the operator met it, on the REAL lab: roll back to a single process, then
// restore the snapshot from before the rollback. The compose workers come back as they were —
// healthcheck, labels, config hash and all — and `lab up workers` then re-creates nothing.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb } from "@/lib/db";
import { runOperation } from "@/lib/operations";
import { captureSnapshot } from "@/lib/operations/snapshot";
import { comparable, healthOf, inspect, labIds, labUpWorkers } from "./fidelity-helpers";
import { docker, eventually, readTree, requireLab } from "./lab-env";

const WORKERS = ["fleetlab_synapse-worker-generic_1", "fleetlab_synapse-worker-media_1", "fleetlab_synapse-worker-federation-sender_1"];
let configDir: string;
let dataDir: string;
let pristine: Map<string, Buffer>;

beforeAll(async () => {
  ({ configDir } = requireLab());
  dataDir = mkdtempSync(path.join(os.tmpdir(), "fleet-fidelity-"));
  process.env.FLEET_DATA_DIR = dataDir;
  delete process.env.DATABASE_URL;
  await eventually(async () => (await captureSnapshot()).processes.filter((p) => p.state === "running").length >= 4, 90_000, "the lab running");
  pristine = readTree(configDir);
});

afterAll(async () => {
  await closeDb();
  rmSync(dataDir, { recursive: true, force: true });
});

/** After a failure half-way: the config files as they were, compose's containers back, every Synapse process restarted onto them. */
function repairLab(): void {
  const now = readTree(configDir);
  for (const [rel, bytes] of pristine) if (!now.get(rel)?.equals(bytes)) writeFileSync(path.join(configDir, rel), bytes);
  labUpWorkers();
  docker("restart", "-t", "10", "fleetlab_synapse_1", ...WORKERS);
}

describe("rollback to a single process, then restore", () => {
  it("brings the compose workers back identical, healthcheck included, and compose then changes nothing", async () => {
    // Compared from a settled lab: a process the engine is restarting shows no ports.
    for (const n of WORKERS) await eventually(async () => ["healthy", "none"].includes(healthOf(n)) && inspect(n).State.Running, 120_000, `${n} running`);
    const before = Object.fromEntries(WORKERS.map((n) => [n, inspect(n)]));
    let done = false;
    try {
      const rollback = await runOperation({ kind: "rollback_to_single_process" }, "tester");
      expect(rollback.error).toBeNull();
      expect(rollback.status).toBe("succeeded");
      for (const n of WORKERS) expect(labIds()).not.toHaveProperty(n);

      const restore = await runOperation({ kind: "restore", operationId: rollback.id, point: "before" }, "tester");
      expect(restore.error).toBeNull();
      expect(restore.status).toBe("succeeded");
      expect(readTree(configDir)).toEqual(pristine);
      for (const n of WORKERS) {
        const after = inspect(n);
        expect(after.Id).not.toBe(before[n].Id);
        expect(comparable(after)).toEqual(comparable(before[n]));
        expect(after.Config.Healthcheck).toEqual(before[n].Config.Healthcheck);
      }
      for (const n of ["fleetlab_synapse-worker-generic_1", "fleetlab_synapse-worker-media_1"]) {
        await eventually(async () => healthOf(n) === "healthy", 120_000, `${n}'s healthcheck`);
      }
      const restored = labIds();
      const output = labUpWorkers();
      console.log(`[fidelity] lab up workers after rollback + restore:\n${output.split("\n").filter((l) => /up-to-date|Recreating|Creating|Starting/.test(l)).join("\n")}`);
      expect(labIds()).toEqual(restored);
      expect(output).not.toMatch(/Recreating|Creating fleetlab/);
      done = true;
    } finally {
      if (!done) repairLab();
    }
  }, 600_000);
});
