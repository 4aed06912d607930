// A dashboard killed (kill -9) at a step boundary of an operation, on the REAL lab: the next start
// marks the operation interrupted and puts the deployment back to the snapshot from before it —
// files byte for byte, no container it made left behind, every process healthy — and the history
// tells the story (the interrupted operation names the restore that put it back).
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Intent } from "@/lib/synapse/plan-schema";
import { docker, eventually, labSynapseHealthy, readTree, requireLab } from "./lab-env";

type Report = { started?: string; finished?: string; error?: string | null; crashed?: string; history?: Array<{ id: string; status: string; actor: string; restoreOf: string | null; error: string | null; summary: string }> };

let configDir: string;
let dataDir: string;
const RECONCILER = "fleet (putting back an interrupted operation)";

// tsx from node_modules itself: `npx tsx` would first resolve the package, a second or more per
// start on the loaded CI machine, and this file starts a dashboard 18 times.
const TSX = path.resolve(import.meta.dirname, "../node_modules/.bin/tsx");

/** Runs tests/fixtures/dashboard.ts in its own process group (so kill -9 reaches node itself, not only tsx's launcher). */
function dashboard(args: string[], env: NodeJS.ProcessEnv): { reports: Report[]; exited: Promise<void>; kill: () => Promise<void> } {
  const child = spawn(TSX, ["--conditions=react-server", "tests/fixtures/dashboard.ts", ...args], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const reports: Report[] = [];
  let buf = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => {
    buf += b.toString();
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.startsWith("{")) reports.push(JSON.parse(line) as Report);
    }
  });
  child.stderr.on("data", (b: Buffer) => void (stderr += b.toString()));
  const exited = new Promise<void>((resolve, reject) =>
    child.on("exit", () => {
      const crash = reports.find((r) => r.crashed);
      if (crash) reject(new Error(`${args[0]} crashed: ${crash.crashed}\n${stderr.slice(-2000)}`));
      else resolve();
    }),
  );
  const gone = () => {
    try {
      process.kill(-child.pid!, 0);
      return false;
    } catch {
      return true;
    }
  };
  // kill -9 to the whole group, then wait until no process of it is left (the dashboard is dead, not dying).
  const kill = async () => {
    process.kill(-child.pid!, "SIGKILL");
    await eventually(async () => gone(), 10_000, "the killed dashboard's processes gone");
  };
  return { reports, exited, kill };
}

function labContainers(): string[] {
  return docker("ps", "-a", "--filter", "label=com.docker.compose.project=fleetlab", "--format", "{{.Names}} {{.State}}").split("\n").filter(Boolean).sort()
    .concat(docker("ps", "-a", "--filter", "label=io.synapse-fleet.managed=true", "--format", "{{.Names}} {{.State}}").split("\n").filter(Boolean).sort());
}

const healthy = (processes = 4) => labSynapseHealthy(processes, 180_000);

/** Starts `intent`, kills the process for good once step `after` is on record, then restarts and recovers. */
async function crashAndRecover(intent: Intent, after: number): Promise<{ interrupted: NonNullable<Report["history"]>[number]; putBack: NonNullable<Report["history"]>[number] }> {
  const pauseFile = path.join(dataDir, `paused-${Date.now()}`);
  const env: NodeJS.ProcessEnv = { ...process.env, SYNAPSE_CONFIG_DIR: configDir, FLEET_DATA_DIR: dataDir, FLEET_TEST_HOOKS: "1", FLEET_TEST_PAUSE_AFTER_STEP: String(after), FLEET_TEST_PAUSE_FILE: pauseFile };
  delete env.DATABASE_URL;
  const run = dashboard(["start", JSON.stringify(intent)], env);
  await eventually(async () => {
    if (run.reports.some((r) => r.finished)) throw new Error(`the operation ended before step ${after}: ${JSON.stringify(run.reports)}`);
    return fs.existsSync(pauseFile);
  }, 180_000, `the operation paused after step ${after}`);
  await run.kill();
  await run.exited;
  const started = run.reports.find((r) => r.started)!.started!;

  const recovery = dashboard(["recover"], { ...env, FLEET_TEST_HOOKS: "0" });
  await recovery.exited;
  const history = recovery.reports.find((r) => r.history)!.history!;
  const interrupted = history.find((o) => o.id === started)!;
  const putBack = history.find((o) => o.restoreOf === started)!;
  return { interrupted, putBack };
}

/** Runs an operation to its end in a dashboard process (no pause). */
async function runToEnd(intent: Intent): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, SYNAPSE_CONFIG_DIR: configDir, FLEET_DATA_DIR: dataDir, FLEET_TEST_HOOKS: "0" };
  delete env.DATABASE_URL;
  const run = dashboard(["start", JSON.stringify(intent)], env);
  await run.exited;
  const end = run.reports.find((r) => r.finished);
  expect(end?.finished, `${intent.kind}: ${end?.error ?? JSON.stringify(run.reports)}`).toBe("succeeded");
}

/** The common promise: interrupted, put back by a recorded operation, the deployment as it was. */
async function expectPutBack(r: Awaited<ReturnType<typeof crashAndRecover>>, files: Map<string, Buffer>, containers: string[], processes = 4): Promise<void> {
  expect(r.interrupted.status).toBe("interrupted");
  expect(r.interrupted.error).toContain(`Put back automatically by operation ${r.putBack.id}.`);
  expect(r.putBack.actor).toBe(RECONCILER);
  expect(r.putBack.status, r.putBack.error ?? "").toBe("succeeded");
  expect(readTree(configDir)).toEqual(files);
  expect(labContainers().map((c) => c.split(" ")[0])).toEqual(containers.map((c) => c.split(" ")[0]));
  await healthy(processes);
}

let pristine: Map<string, Buffer>;
let containersBefore: string[];

beforeAll(async () => {
  ({ configDir } = requireLab());
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-crash-"));
  await healthy();
  pristine = readTree(configDir);
  containersBefore = labContainers();
}, 240_000);

// Whatever a failed case left: files back as they were, the test worker's container gone, the lab up.
afterAll(async () => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (!pristine) return;
  const now = readTree(configDir);
  for (const [rel, bytes] of pristine) if (!now.get(rel)?.equals(bytes)) fs.writeFileSync(path.join(configDir, rel), bytes);
  for (const rel of now.keys()) if (!pristine.has(rel)) fs.rmSync(path.join(configDir, rel));
  for (const c of docker("ps", "-aq", "--filter", "label=io.synapse-fleet.worker=crash_test1").split("\n").filter(Boolean)) docker("rm", "-f", c);
  if (labContainers().length !== containersBefore.length) execFileSync("bash", ["lab/lab.sh", "up", "workers"], { stdio: "ignore" });
  await healthy();
}, 300_000);

describe("a dashboard killed in the middle of an operation", () => {
  const add: Intent = { kind: "add_worker", type: "generic", name: "crash_test1" };
  // add: 0 write_files, 1 create_container, 2 start, 3 wait_healthy
  for (const after of [0, 1, 2]) {
    it(`add worker, killed after step ${after}: put back to before it on the next start`, async () => {
      const { interrupted, putBack } = await crashAndRecover(add, after);
      expect(interrupted.status).toBe("interrupted");
      expect(interrupted.error).toContain(`Put back automatically by operation ${putBack.id}.`);
      expect(putBack.actor).toBe(RECONCILER);
      expect(putBack.status, putBack.error ?? "").toBe("succeeded");
      expect(readTree(configDir)).toEqual(pristine);
      expect(labContainers()).toEqual(containersBefore);
      await healthy();
    }, 300_000);
  }

  it("scale generic workers to 2, killed after the new container was created: no container or file of it is left", async () => {
    // scale 1 → 2: 0 write_files, 1 create_container, 2 start, 3 wait_healthy
    await expectPutBack(await crashAndRecover({ kind: "scale", type: "generic", count: 2 }, 1), pristine, containersBefore);
  }, 300_000);

  it("remove a worker, killed after its container was removed: it is re-created and its file comes back", async () => {
    await runToEnd(add);
    const withWorker = readTree(configDir);
    const containers = labContainers();
    // remove: 0 stop, 1 remove_container, 2 write_files
    await expectPutBack(await crashAndRecover({ kind: "remove_worker", name: "crash_test1" }, 1), withWorker, containers);
    await runToEnd({ kind: "remove_worker", name: "crash_test1" });
    expect(readTree(configDir)).toEqual(pristine);
  }, 400_000);

  it("restore the workers after a rollback, killed after the first worker was re-created: back to one process, then restored whole", async () => {
    await runToEnd({ kind: "rollback_to_single_process" });
    const single = readTree(configDir);
    const singleContainers = labContainers();
    // restore_workers from one process: 0 write_files, 1 create_container (first worker), …
    await expectPutBack(await crashAndRecover({ kind: "restore_workers" }, 1), single, singleContainers, 1);
    await runToEnd({ kind: "restore_workers" });
    expect(readTree(configDir)).toEqual(pristine);
    expect(labContainers().map((c) => c.split(" ")[0])).toEqual(containersBefore.map((c) => c.split(" ")[0]));
    await healthy();
  }, 600_000);

  it("rollback to a single process, killed after a worker was removed: every worker comes back", async () => {
    // rollback: stop and remove each worker, write the files, restart main, wait
    const { interrupted, putBack } = await crashAndRecover({ kind: "rollback_to_single_process" }, 1);
    expect(interrupted.status).toBe("interrupted");
    expect(putBack.status, putBack.error ?? "").toBe("succeeded");
    expect(readTree(configDir)).toEqual(pristine);
    expect(labContainers().map((c) => c.split(" ")[0])).toEqual(containersBefore.map((c) => c.split(" ")[0]));
    await healthy();
  }, 400_000);
});
