// The executor and its history against the REAL lab (workers mode): containers are created,
// started and removed on the engine, config files written in the lab's config dir. Every test
// puts the lab back as it found it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, getDb } from "@/lib/db";
import { ContainerRunner } from "@/lib/docker/containers";
import type { ContainerSpec, DeploymentSnapshot, Intent, Plan, Step } from "@/lib/synapse/plan-schema";
import { OperationConflictError } from "@/lib/operations/errors";
import { INTERRUPTED_MESSAGE } from "@/lib/operations/history";
import { beginOperation, defaultDeps, readOperation, recoverInterrupted } from "@/lib/operations/service";
import { captureSnapshot } from "@/lib/operations/snapshot";
import { docker, eventually, readTree, requireLab } from "./lab-env";

const PREFIX = "fleet-optest-";
let configDir: string;
let dataDir: string;
let pristine: Map<string, Buffer>;


function testContainers(): string[] {
  const out = docker("ps", "-a", "--filter", `name=${PREFIX}`, "--format", "{{.Names}}");
  return out ? out.split("\n") : [];
}

function workerFile(name: string, port: number): string {
  return [
    "worker_app: synapse.app.generic_worker",
    `worker_name: ${name}`,
    "worker_log_config: /data/log.config",
    "worker_listeners:",
    "  - type: http",
    `    port: ${port}`,
    "    bind_addresses: ['0.0.0.0']",
    "    x_forwarded: true",
    "    resources:",
    "      - names: [client, federation]",
    "",
  ].join("\n");
}

/** A generic worker's container made from main's, the way the planner does it. */
function workerSpec(snapshot: DeploymentSnapshot, name: string, port: number): ContainerSpec {
  const main = snapshot.processes.find((p) => p.name === "main")!.container!;
  const labels = Object.fromEntries(Object.entries(main.labels).filter(([k]) => !k.startsWith("com.docker.compose.") && !k.startsWith("traefik.")));
  const configPath = main.cmd[main.cmd.indexOf("--config-path") + 1];
  return {
    name: `${PREFIX}${name}`,
    image: main.image,
    entrypoint: main.entrypoint,
    cmd: ["python3", "-m", "synapse.app.generic_worker", "--config-path", configPath, "--config-path", `/data/workers/${name}.yaml`],
    env: main.env,
    binds: main.binds,
    networks: main.networks.map((n) => ({ name: n.name, aliases: [name.replaceAll("_", "-")] })),
    labels: { ...labels, "io.synapse-fleet.managed": "true", "io.synapse-fleet.worker": name },
    restartPolicy: "no",
    user: main.user,
    ports: [{ container: port, host: port, hostIp: "" }],
    resources: { nanoCpus: 500_000_000, memoryBytes: 512 * 1024 * 1024 },
  };
}

const intent: Intent = { kind: "add_worker", type: "generic" };

function addWorkerPlan(snapshot: DeploymentSnapshot, name: string, port: number, extraFiles: Plan["files"] = []): Plan {
  const steps: Step[] = [
    { kind: "write_files", reason: "the new worker's file" },
    { kind: "create_container", process: name, spec: workerSpec(snapshot, name, port), reason: "a container for the new worker" },
    { kind: "start", process: name, reason: "start the new worker" },
    { kind: "wait_healthy", processes: [name], timeoutMs: 90_000, reason: "it answers /health" },
  ];
  return {
    intent, summary: `Add generic worker ${name} on port ${port}`, steps, restarts: [], destructive: false, warnings: [],
    files: [{ path: `workers/${name}.yaml`, before: null, after: workerFile(name, port) }, ...extraFiles],
    expected: [...snapshot.processes.map((p) => ({ name: p.name, type: p.type })), { name, type: "generic" }],
  };
}

function removeWorkerPlan(snapshot: DeploymentSnapshot, name: string): Plan {
  const file = `workers/${name}.yaml`;
  return {
    intent: { kind: "remove_worker", name }, summary: `Remove ${name}`, restarts: [], destructive: true, warnings: [], expected: [],
    files: [{ path: file, before: snapshot.files[file], after: null }],
    steps: [
      { kind: "stop", process: name, reason: "stop it" },
      { kind: "remove_container", process: name, reason: "remove it" },
      { kind: "write_files", reason: "forget its file" },
    ],
  };
}

async function freePort(from: number): Promise<number> {
  const used = new Set(await new ContainerRunner().usedHostPorts());
  for (let p = from; p < from + 200; p++) {
    if (used.has(p)) continue;
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.createServer().once("error", () => resolve(false));
      s.listen(p, "0.0.0.0", () => s.close(() => resolve(true)));
    });
    if (ok) return p;
  }
  throw new Error("no free port");
}

beforeAll(async () => {
  ({ configDir } = requireLab());
  dataDir = mkdtempSync(path.join(os.tmpdir(), "fleet-ops-"));
  process.env.FLEET_DATA_DIR = dataDir;
  delete process.env.DATABASE_URL;
  // The lab may still be settling from an earlier test file.
  await eventually(async () => {
    const s = await captureSnapshot();
    return s.processes.filter((p) => p.state === "running").length >= 4 && s;
  }, 90_000, "the lab's four Synapse processes running");
  pristine = readTree(configDir);
});

afterAll(async () => {
  // Safety net: whatever a failed assertion left behind goes, and the files are put back.
  for (const c of testContainers()) docker("rm", "-f", c);
  const now = readTree(configDir);
  for (const [rel, bytes] of pristine) if (!now.get(rel)?.equals(bytes)) writeFileSync(path.join(configDir, rel), bytes);
  for (const rel of now.keys()) if (!pristine.has(rel) && /^workers\/ops_test_/.test(rel)) rmSync(path.join(configDir, rel));
  await closeDb();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("operations against the running lab", () => {
  it("adds a generic worker: its container runs and answers /health, the history row succeeded with its steps; removing it puts the lab back", async () => {
    const name = "ops_test_worker";
    const port = await freePort(18_111);
    const before = await captureSnapshot();
    const t0 = Date.now();
    const { operationId, done } = await beginOperation(intent, "tester", (s) => addWorkerPlan(s, name, port));
    await done;
    const seconds = (Date.now() - t0) / 1000;
    const op = (await readOperation(operationId))!;
    expect(op.error).toBeNull();
    expect(op.status).toBe("succeeded");
    expect(op.steps.map((s) => `${s.kind}:${s.status}`)).toEqual(["write_files:succeeded", "create_container:succeeded", "start:succeeded", "wait_healthy:succeeded"]);
    expect(op.steps.every((s) => s.startedAt && s.finishedAt)).toBe(true);
    console.log(`[timing] add worker: apply → healthy in ${seconds.toFixed(1)} s (${op.steps[3].message})`);

    const ip = docker("inspect", `${PREFIX}${name}`, "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}");
    const res = await fetch(`http://${ip}:${port}/health`);
    expect(res.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200); // published on the host

    const db = await getDb();
    const row = await db.operation.findUniqueOrThrow({ where: { id: operationId } });
    const after = JSON.parse(row.snapshotAfter!) as DeploymentSnapshot;
    expect(after.processes.find((p) => p.name === name)).toMatchObject({ state: "running", container: { managedByFleet: true } });
    expect(JSON.parse(row.snapshotBefore!).processes.length).toBe(before.processes.length);

    const removal = await beginOperation({ kind: "remove_worker", name }, "tester", (s) => removeWorkerPlan(s, name));
    await removal.done;
    expect((await readOperation(removal.operationId))?.status).toBe("succeeded");
    expect(testContainers()).toEqual([]);
    expect(readTree(configDir)).toEqual(pristine);
  }, 150_000);

  it("fails on a taken host port: status failed with the cause, config files byte-identical, no container left", async () => {
    const name = "ops_test_clash";
    const port = await freePort(18_211);
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(port, "0.0.0.0", resolve));
    try {
      const hs = "homeserver.yaml";
      const targets = "prometheus/synapse-targets.json";
      const { operationId, done } = await beginOperation(intent, "tester", (s) =>
        addWorkerPlan(s, name, port, [
          { path: hs, before: s.files[hs], after: `${s.files[hs]}\n# touched by the operations test\n` },
          { path: targets, before: s.files[targets], after: "[]\n" },
        ]),
      );
      await done;
      const op = (await readOperation(operationId))!;
      console.log(`[failure] ${op.error}`);
      expect(op.status).toBe("failed");
      expect(op.error).toMatch(/Step 3 \(start ops_test_clash\) failed: .*(port is already allocated|address already in use)/);
      expect(op.steps.slice(0, 4).map((s) => s.status)).toEqual(["compensated", "compensated", "failed", "skipped"]);
      expect(op.steps.slice(4).map((s) => `${s.kind}:${s.status}`)).toEqual(["write_files:succeeded", "remove_container:succeeded", "wait_healthy:succeeded"]);
      const dbPassword = /password: "([^"]+)"/.exec(pristine.get(hs)!.toString("utf8"))![1];
      expect(JSON.stringify(op.plan)).not.toContain(dbPassword); // masked on the way out
      expect(readTree(configDir)).toEqual(pristine);
      expect(testContainers()).toEqual([]);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  }, 150_000);

  it("re-creates a removed container from its snapshot spec when a later step fails", async () => {
    const name = "ops_test_recreate";
    const port = await freePort(18_311);
    const added = await beginOperation(intent, "tester", (s) => addWorkerPlan(s, name, port));
    await added.done;
    expect((await readOperation(added.operationId))?.status).toBe("succeeded");
    const original = docker("inspect", `${PREFIX}${name}`, "--format", "{{.Id}}");
    const specBefore = await new ContainerRunner().specOf(original);

    const { operationId, done } = await beginOperation({ kind: "remove_worker", name }, "tester", () => ({
      intent: { kind: "remove_worker", name }, summary: `Remove ${name}, then fail`, files: [], restarts: [], destructive: true, warnings: [], expected: [],
      steps: [
        { kind: "stop", process: name, reason: "stop it" },
        { kind: "remove_container", process: name, reason: "remove it" },
        { kind: "start", process: "no_such_worker", reason: "fails: nothing runs it" },
      ],
    }));
    await done;
    const op = (await readOperation(operationId))!;
    expect(op.status).toBe("failed");
    expect(op.error).toMatch(/no container runs no_such_worker/);
    expect(op.steps.slice(3).map((s) => `${s.kind}:${s.status}`)).toEqual(["create_container:succeeded", "start:succeeded", "wait_healthy:succeeded"]);
    const recreated = docker("inspect", `${PREFIX}${name}`, "--format", "{{.Id}} {{.State.Status}}").split(" ");
    expect(recreated[0]).not.toBe(original);
    expect(recreated[1]).toBe("running");
    expect({ ...(await new ContainerRunner().specOf(recreated[0])) }).toEqual(specBefore);

    const removal = await beginOperation({ kind: "remove_worker", name }, "tester", (s) => removeWorkerPlan(s, name));
    await removal.done;
    expect((await readOperation(removal.operationId))?.status).toBe("succeeded");
    expect(readTree(configDir)).toEqual(pristine);
  }, 150_000);

  it("refuses a second operation while one is applying, in this process and from the database", async () => {
    const slowPlan = (): Plan => ({
      intent: { kind: "restart", name: "main" }, summary: "wait for main", files: [], restarts: [], destructive: false, warnings: [], expected: [],
      steps: [{ kind: "wait_healthy", processes: ["main"], timeoutMs: 30_000, reason: "main answers" }],
    });
    const [a, b] = await Promise.allSettled([
      beginOperation({ kind: "restart", name: "main" }, "alice", slowPlan),
      beginOperation({ kind: "restart", name: "main" }, "bob", slowPlan),
    ]);
    const started = [a, b].filter((r) => r.status === "fulfilled");
    const refused = [a, b].filter((r) => r.status === "rejected");
    expect(started).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(OperationConflictError);
    await (started[0] as PromiseFulfilledResult<{ done: Promise<void> }>).value.done;

    // Another dashboard process sharing the database holds the deployment's lease: refused as well,
    // and its operation is not mistaken for one a dead dashboard left behind.
    const db = await getDb();
    const other = await db.operation.create({ data: { kind: "restart", intent: "{}", actor: "other", status: "applying", summary: "elsewhere", plan: "{}" } });
    const { dir } = defaultDeps();
    const lease = await db.operationLease.findUnique({ where: { deployment: dir } });
    await db.operationLease.update({ where: { deployment: dir }, data: { holder: "other-host:4242:cafe", operationId: other.id, expiresAt: new Date(Date.now() + 60_000) } });
    try {
      await expect(beginOperation({ kind: "restart", name: "main" }, "carol", slowPlan)).rejects.toThrow(new RegExp(`Another dashboard \\(other-host:4242:cafe\\) is applying operation ${other.id}`));
      expect((await db.operation.findUniqueOrThrow({ where: { id: other.id } })).status).toBe("applying");
    } finally {
      await db.operationLease.update({ where: { deployment: dir }, data: { holder: lease!.holder, operationId: null, expiresAt: new Date(0) } });
      await db.operation.delete({ where: { id: other.id } });
    }
  }, 60_000);

  it("marks an operation left applying by a previous process as interrupted, saying the snapshot can be restored", async () => {
    const db = await getDb();
    const row = await db.operation.create({
      data: {
        kind: "add_worker", intent: JSON.stringify(intent), actor: "previous process", status: "applying", summary: "Add generic worker gone",
        plan: JSON.stringify(addWorkerPlan(await captureSnapshot(), "gone", 18_999)), startedAt: new Date(),
        steps: { create: [
          { index: 0, kind: "write_files", reason: "", status: "succeeded" },
          { index: 1, kind: "create_container", target: "gone", reason: "", status: "running" },
          { index: 2, kind: "start", target: "gone", reason: "", status: "pending" },
        ] },
      },
    });
    // A fresh start of the dashboard: its first use recovers.
    const registry = (globalThis as { __fleetOperations?: { recovered: unknown } }).__fleetOperations;
    if (registry) registry.recovered = null;
    await recoverInterrupted();
    const op = (await readOperation(row.id))!;
    expect(op.status).toBe("interrupted");
    expect(op.error).toBe(INTERRUPTED_MESSAGE);
    expect(op.error).toMatch(/restore/i);
    expect(op.finishedAt).not.toBeNull();
    expect(op.steps.map((s) => s.status)).toEqual(["succeeded", "failed", "skipped"]);
  });

  it("uses the lab's config dir and engine by default", () => {
    expect(defaultDeps().dir).toBe(path.resolve(configDir));
  });
});
