// The Docker Engine restarts in the middle of an operation, for real (dockerd stopped between two
// steps of an add, started again a few seconds later): the operation ends `interrupted` saying the
// engine went away, other changes are refused while it is put back, the topology says the engine is
// unreachable, and once the engine answers again the deployment is put back to the snapshot from
// before the add — no container of it left, files byte for byte, every lab process healthy.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker, eventually, labSynapseHealthy, readTree, requireLab, startEngine, stopEngine } from "./lab-env";

let configDir: string;
let dataDir: string;
let pristine: Map<string, Buffer>;
const pauseFile = path.join(os.tmpdir(), `fleet-engine-pause-${process.pid}`);
const resumeFile = path.join(os.tmpdir(), `fleet-engine-resume-${process.pid}`);

const labHealthy = () => labSynapseHealthy();

beforeAll(async () => {
  ({ configDir } = requireLab());
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-engine-restart-"));
  process.env.FLEET_DATA_DIR = dataDir;
  delete process.env.DATABASE_URL;
  await labHealthy();
  pristine = readTree(configDir);
}, 300_000);

afterAll(async () => {
  for (const f of [pauseFile, resumeFile]) fs.rmSync(f, { force: true });
  delete process.env.FLEET_TEST_HOOKS;
  await startEngine();
  for (const c of docker("ps", "-aq", "--filter", "label=io.synapse-fleet.worker=engine_test1").split("\n").filter(Boolean)) docker("rm", "-f", c);
  if (pristine) {
    const now = readTree(configDir);
    for (const [rel, bytes] of pristine) if (!now.get(rel)?.equals(bytes)) fs.writeFileSync(path.join(configDir, rel), bytes);
    for (const rel of now.keys()) if (!pristine.has(rel)) fs.rmSync(path.join(configDir, rel));
  }
  execFileSync("bash", ["lab/lab.sh", "up", "workers"], { stdio: "ignore" });
  await labHealthy();
  const { closeDb } = await import("@/lib/db");
  await closeDb();
  fs.rmSync(dataDir, { recursive: true, force: true });
}, 400_000);

describe("the engine restarts during an operation", () => {
  it("ends interrupted, refuses other changes meanwhile, and is put back once the engine is back", async () => {
    Object.assign(process.env, { FLEET_TEST_HOOKS: "1", FLEET_TEST_PAUSE_AFTER_STEP: "2", FLEET_TEST_PAUSE_FILE: pauseFile, FLEET_TEST_RESUME_FILE: resumeFile });
    const { getOperation, listHistory, startOperation } = await import("@/lib/operations");
    const { discoverTopology } = await import("@/lib/topology/discover");
    // add: 0 write_files, 1 create_container, 2 start, 3 wait_healthy — the engine goes after the start.
    const { operationId } = await startOperation({ kind: "add_worker", type: "generic", name: "engine_test1" }, "engine-test");
    await eventually(async () => fs.existsSync(pauseFile), 120_000, "the add paused after starting the new worker");

    await stopEngine();
    fs.writeFileSync(resumeFile, "go");

    const interrupted = await eventually(async () => {
      const op = await getOperation(operationId);
      return op && op.status !== "applying" ? op : null;
    }, 120_000, "the add to end");
    expect(interrupted.status, interrupted.error ?? "").toBe("interrupted");
    expect(interrupted.error).toMatch(/the Docker Engine went away during this operation/);
    expect((await discoverTopology()).docker.reachable).toBe(false);
    // While it waits to be put back, nothing else may change the deployment.
    const refused = await startOperation({ kind: "restart", name: "main" }, "engine-test").then(() => null, (e: unknown) => e as Error);
    expect(refused?.name).toBe("OperationConflictError");
    expect(refused?.message).toMatch(/is being put back/);

    await startEngine();
    const putBack = await eventually(async () => {
      const op = (await listHistory({ limit: 10 })).find((o) => o.restoreOf === operationId);
      return op && op.status !== "applying" ? op : null;
    }, 300_000, "the put-back to end");
    expect(putBack.status, putBack.error ?? "").toBe("succeeded");
    expect((await getOperation(operationId))?.error).toContain(`Put back automatically by operation ${putBack.id}.`);
    expect(readTree(configDir)).toEqual(pristine);
    expect(docker("ps", "-aq", "--filter", "label=io.synapse-fleet.worker=engine_test1")).toBe("");
    await labHealthy();
  }, 600_000);
});
