// The production server (scripts/server.mjs after `next build`) told to stop (SIGTERM) in the middle
// of a real add on the REAL lab. From the signal on, a new operation gets 503 `shutting_down`. With a
// grace long enough the add ends `succeeded`; with a tiny one it is stopped at the next step boundary,
// ends `interrupted` with where and why, and is put back by the recovery path before the server goes:
// files byte for byte, no container of it left. Either way the server exits 0.
import { createHash } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "@/lib/auth/api-tokens";
import { closeDb, getDb } from "@/lib/db";
import { docker, eventually, freePort, labSynapseHealthy, readTree, requireLab } from "./lab-env";

/** A config tree as path → sha256: a failed comparison names the files that differ. */
const digests = (tree: Map<string, Buffer>) => Object.fromEntries([...tree].map(([p, b]) => [p, createHash("sha256").update(b).digest("hex")]));

const RECONCILER = "fleet (putting back an interrupted operation)";

let configDir: string;
let dataDir: string;
let token: string;

interface Running {
  base: string;
  log: () => string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

const servers: Running[] = [];

/** scripts/server.mjs on a free port over this file's data dir, answering /api/health. */
async function startServer(extra: Record<string, string>): Promise<Running> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, FLEET_DATA_DIR: dataDir, SYNAPSE_CONFIG_DIR: configDir, PORT: String(port), FLEET_LISTEN: "127.0.0.1", ...extra };
  delete env.DATABASE_URL;
  delete env.FLEET_ON_INTERRUPT;
  const child = spawn(process.execPath, ["scripts/server.mjs"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout!.on("data", (b: Buffer) => void (log += b.toString()));
  child.stderr!.on("data", (b: Buffer) => void (log += b.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const s: Running = { base: `http://127.0.0.1:${port}`, log: () => log, child, exited };
  servers.push(s);
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${log}`);
    return (await fetch(`${s.base}/api/health`).then((r) => r.ok, () => false)) || null;
  }, 60_000, "the dashboard server to answer /api/health");
  return s;
}

async function post(s: Running, urlPath: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(s.base + urlPath, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function operation(s: Running, id: string): Promise<{ status: string; steps: Array<{ status: string }> }> {
  const res = await fetch(`${s.base}/api/operations/${id}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { status: string; steps: Array<{ status: string }> };
}

/** Waits for the exit, which must come on its own: the drain ends, the server closes, exit code. */
async function exitCode(s: Running): Promise<number | null> {
  const timeout = new Promise<"frozen">((r) => setTimeout(() => r("frozen"), 150_000).unref());
  const code = await Promise.race([s.exited, timeout]);
  if (code === "frozen") throw new Error(`the server did not exit after SIGTERM:\n${s.log().slice(-3000)}`);
  return code;
}

const workerContainers = (name: string) => docker("ps", "-aq", "--filter", `label=io.synapse-fleet.worker=${name}`).split("\n").filter(Boolean);

function labContainerNames(): string[] {
  return docker("ps", "-a", "--filter", "label=com.docker.compose.project=fleetlab", "--format", "{{.Names}} {{.State}}").split("\n").filter(Boolean).sort()
    .concat(docker("ps", "-a", "--filter", "label=io.synapse-fleet.managed=true", "--format", "{{.Names}} {{.State}}").split("\n").filter(Boolean).sort());
}

/**
 * What a failed case may have left: the config dir back to `files`, the test worker's container gone,
 * and the lab's nginx (if any) reloaded onto the restored config, so it no longer routes to that worker.
 */
function putBackByHand(files: Map<string, Buffer>, worker: string): void {
  const now = readTree(configDir);
  let changed = false;
  for (const [rel, bytes] of files) {
    if (!now.get(rel)?.equals(bytes)) {
      writeFileSync(path.join(configDir, rel), bytes);
      changed = true;
    }
  }
  for (const rel of now.keys()) {
    if (!files.has(rel)) {
      rmSync(path.join(configDir, rel));
      changed = true;
    }
  }
  for (const c of workerContainers(worker)) docker("rm", "-f", c);
  const lb = docker("ps", "-q", "--filter", "label=io.synapse-fleet.role=load-balancer");
  if (changed && lb) docker("exec", lb.split("\n")[0], "nginx", "-s", "reload");
}

/** Removes a worker the way an operator does (the plan drains it from the load balancer first). */
async function removeWorker(name: string): Promise<void> {
  const s = await startServer({});
  const res = await fetch(`${s.base}/api/workers/${name}`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(202);
  const { operationId } = (await res.json()) as { operationId: string };
  const done = await eventually(async () => {
    const op = await operation(s, operationId);
    return op.status !== "applying" && op.status !== "planned" ? op : null;
  }, 120_000, `the removal of ${name}`);
  expect(done.status, JSON.stringify(done)).toBe("succeeded");
  s.child.kill("SIGTERM");
  expect(await exitCode(s)).toBe(0);
}

const newOperationRefused = async (s: Running) => {
  const refused = await post(s, "/api/workers", { type: "generic", name: "shutdown_refused" });
  expect(refused.status).toBe(503);
  expect(refused.json).toMatchObject({ error: { code: "unavailable", details: { reason: "shutting_down" } } });
  expect(workerContainers("shutdown_refused")).toEqual([]);
};

beforeAll(async () => {
  ({ configDir } = requireLab());
  if (!existsSync(path.join(process.cwd(), ".next", "BUILD_ID"))) throw new Error("no production build (.next): run `next build` first (npm test does)");
  dataDir = mkdtempSync(path.join(os.tmpdir(), "fleet-shutdown-"));
  // This process writes the operator's token into the servers' database and reads the history after they exit.
  process.env.FLEET_DATA_DIR = dataDir;
  delete process.env.DATABASE_URL;
  token = (await createApiToken({ role: "operator", name: "shutdown-test" })).token;
  await labSynapseHealthy();
}, 120_000);

afterAll(async () => {
  for (const s of servers) {
    if (s.child.exitCode === null && s.child.signalCode === null) {
      s.child.kill("SIGKILL");
      await s.exited;
    }
  }
  await closeDb();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  await labSynapseHealthy();
}, 300_000);

describe("SIGTERM while an add is applying", () => {
  it("with a grace long enough: no new operation is taken, the add ends succeeded, the server exits 0", async () => {
    const before = readTree(configDir);
    try {
      const s = await startServer({ FLEET_SHUTDOWN_GRACE_MS: "120000" });
      const started = await post(s, "/api/workers", { type: "generic", name: "shutdown_grace1" });
      expect(started.status, JSON.stringify(started.json)).toBe(202);
      const id = started.json.operationId as string;
      await eventually(async () => (await operation(s, id)).steps.some((st) => st.status !== "pending"), 60_000, "the add's first step to begin");
      const signalledAt = Date.now();
      s.child.kill("SIGTERM");
      await eventually(async () => s.log().includes("SIGTERM: starting no new operation"), 10_000, "the server to start draining");
      await newOperationRefused(s);
      expect(await exitCode(s)).toBe(0);
      process.stdout.write(`[shutdown] long grace: exit 0 ${Date.now() - signalledAt} ms after SIGTERM; ${/operations done after \d+ ms/.exec(s.log())?.[0] ?? "no drain line"}\n`);

      const row = await (await getDb()).operation.findUniqueOrThrow({ where: { id } });
      expect(row.status, row.error ?? "").toBe("succeeded");
      expect(workerContainers("shutdown_grace1")).toHaveLength(1);
      expect(docker("inspect", "-f", "{{.State.Status}}", workerContainers("shutdown_grace1")[0])).toBe("running");
      expect(s.log()).toMatch(/SIGTERM: operations done after \d+ ms\n/);
      expect(s.log()).not.toContain("shutdown grace over");

      // The lab as found: the worker it added goes again, through the product.
      await removeWorker("shutdown_grace1");
      expect(digests(readTree(configDir))).toEqual(digests(before));
      expect(workerContainers("shutdown_grace1")).toEqual([]);
    } finally {
      putBackByHand(before, "shutdown_grace1");
    }
  }, 240_000);

  it("with a tiny grace: stopped at the next step boundary, interrupted, put back before the server exits 0", async () => {
    const before = readTree(configDir);
    const containersBefore = labContainerNames();
    const pauseFile = path.join(dataDir, "paused");
    const resumeFile = path.join(dataDir, "resume");
    try {
      // The add holds after step 1 (create_container) until the test lets it go (lib/operations/test-hooks.ts):
      // the grace runs out while it is in flight, whatever the machine's speed.
      const s = await startServer({
        FLEET_SHUTDOWN_GRACE_MS: "200",
        FLEET_TEST_HOOKS: "1", FLEET_TEST_PAUSE_AFTER_STEP: "1", FLEET_TEST_PAUSE_FILE: pauseFile, FLEET_TEST_RESUME_FILE: resumeFile,
      });
      const started = await post(s, "/api/workers", { type: "generic", name: "shutdown_stop1" });
      expect(started.status, JSON.stringify(started.json)).toBe(202);
      const id = started.json.operationId as string;
      await eventually(async () => existsSync(pauseFile), 60_000, "the add to hold after creating the container");
      expect(workerContainers("shutdown_stop1")).toHaveLength(1);
      s.child.kill("SIGTERM");
      await eventually(async () => s.log().includes(`SIGTERM: shutdown grace over, stopping ${id}`), 10_000, "the grace to run out");
      await newOperationRefused(s);
      const resumedAt = Date.now();
      writeFileSync(resumeFile, "");
      expect(await exitCode(s)).toBe(0);
      process.stdout.write(`[shutdown] tiny grace: stopped, put back and exit 0 ${Date.now() - resumedAt} ms after the add went on\n`);

      const db = await getDb();
      const row = await db.operation.findUniqueOrThrow({ where: { id }, include: { steps: true } });
      const putBack = await db.operation.findFirstOrThrow({ where: { restoreOf: id } });
      expect(row.status).toBe("interrupted");
      expect(row.error).toMatch(
        /^The dashboard was stopped during step 2 of \d+ \(create_container shutdown_stop1\): SIGTERM, and the operation did not end within the 200 ms shutdown grace \(FLEET_SHUTDOWN_GRACE_MS\); it stopped once that step ended, before step 3 \(start shutdown_stop1\)\./,
      );
      expect(row.error).toContain(`Put back automatically by operation ${putBack.id}.`);
      const steps = [...row.steps].sort((a, b) => a.index - b.index).map((st) => `${st.kind}:${st.status}`);
      expect(steps.slice(0, 3)).toEqual(["write_files:succeeded", "create_container:succeeded", "start:skipped"]);
      expect(putBack.actor).toBe(RECONCILER);
      expect(putBack.status, putBack.error ?? "").toBe("succeeded");

      // Nothing half-done: the files byte for byte, no container of the add, the lab's containers as they were.
      expect(digests(readTree(configDir))).toEqual(digests(before));
      expect(workerContainers("shutdown_stop1")).toEqual([]);
      expect(labContainerNames()).toEqual(containersBefore);
      expect(s.log()).toMatch(/SIGTERM: operations done after \d+ ms \(1 stopped and put back\)/);
    } finally {
      putBackByHand(before, "shutdown_stop1");
    }
    await labSynapseHealthy();
  }, 240_000);
});
