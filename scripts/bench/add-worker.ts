/**
 * Benchmark: one-click add-worker, from the API call to a healthy worker, beside its floor —
 * a bare create + start of the very same container (the plan's spec, its worker file written by
 * hand) followed by polling /health — measured alternately in one run against the real lab.
 * The lab must be in workers mode; every worker added here is removed again.
 *
 * Knobs: BENCH_ADD_N (rounds, default 3).
 */
import fs from "node:fs";
import path from "node:path";
import Docker from "dockerode";
import type { ContainerSpec, Operation, Plan } from "@/lib/synapse/plan-schema";
import { envInt, fmtMs, log, onCleanup, runMain, sleep, startServer, stats, type Server } from "./lib";

const N = envInt("BENCH_ADD_N", 3, 1, 20);
const TARGET_OVERHEAD_MS = 1000;
const POLL_MS = 100;
const docker = new Docker();

async function api<T>(server: Server, method: string, pathname: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(server.url + pathname, {
    method,
    headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(180_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${pathname}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return { status: res.status, json: (text ? JSON.parse(text) : null) as T };
}

/** Polls an operation until it ends; the finish time is when the poll saw it end. */
async function waitOperation(server: Server, id: string): Promise<Operation> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const { json } = await api<Operation>(server, "GET", `/api/operations/${id}`);
    if (json.status === "succeeded" || json.status === "failed" || json.status === "interrupted") return json;
    if (Date.now() > deadline) throw new Error(`operation ${id} still ${json.status} after 180 s`);
    await sleep(POLL_MS);
  }
}

async function addWorkerViaApi(server: Server): Promise<{ ms: number; name: string }> {
  const t0 = performance.now();
  const { json } = await api<{ operationId: string }>(server, "POST", "/api/workers", { type: "generic" });
  const op = await waitOperation(server, json.operationId);
  const ms = performance.now() - t0;
  if (op.status !== "succeeded") throw new Error(`add-worker ${op.status}: ${op.error}`);
  const created = op.plan.steps.find((s) => s.kind === "create_container");
  if (!created || created.kind !== "create_container") throw new Error("add-worker plan created no container");
  return { ms, name: created.process };
}

async function removeWorker(server: Server, name: string): Promise<void> {
  const { json } = await api<{ operationId: string }>(server, "DELETE", `/api/workers/${name}`);
  const op = await waitOperation(server, json.operationId);
  if (op.status !== "succeeded") throw new Error(`remove ${name} ${op.status}: ${op.error}`);
}

/** The floor: the same container made by hand (docker run), then /health polled at the same rate. */
async function bareDockerRun(plan: Plan, configDir: string): Promise<number> {
  const step = plan.steps.find((s) => s.kind === "create_container");
  if (!step || step.kind !== "create_container") throw new Error("the plan has no container to create");
  const spec: ContainerSpec = { ...step.spec, name: `${step.spec.name}-floor`, labels: { "io.synapse-fleet.bench": "1" } };
  const workerFile = plan.files.find((f) => f.path.startsWith("workers/") && f.after !== null);
  if (!workerFile?.after) throw new Error("the plan writes no worker file");
  const filePath = path.join(configDir, workerFile.path);
  fs.writeFileSync(filePath, workerFile.after); // worker files hold no secrets: the masked plan is the real one
  const http = spec.ports[0];
  if (!http) throw new Error("the plan publishes no http port to probe");
  const [first, ...rest] = spec.networks;
  let id = "";
  const cleanup = async () => {
    if (id) await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
    fs.rmSync(filePath, { force: true });
  };
  onCleanup(`floor container ${spec.name}`, cleanup);
  try {
    const t0 = performance.now();
    const c = await docker.createContainer({
      name: spec.name,
      Image: spec.image,
      Entrypoint: spec.entrypoint ?? undefined,
      Cmd: spec.cmd,
      Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      Labels: spec.labels,
      User: spec.user ?? undefined,
      ExposedPorts: { [`${http.container}/tcp`]: {} },
      HostConfig: {
        Binds: spec.binds,
        PortBindings: { [`${http.container}/tcp`]: [{ HostIp: http.hostIp, HostPort: String(http.host) }] },
        NetworkMode: first?.name,
      },
      NetworkingConfig: first ? { EndpointsConfig: { [first.name]: { Aliases: [] } } } : undefined,
    });
    id = c.id;
    for (const n of rest) await docker.getNetwork(n.name).connect({ Container: id });
    await c.start();
    const deadline = Date.now() + 120_000;
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${http.host}/health`, { signal: AbortSignal.timeout(1500) }).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error("the floor container never answered /health");
      await sleep(POLL_MS);
    }
    return performance.now() - t0;
  } finally {
    await cleanup();
  }
}

runMain(async () => {
  const configDir = process.env.SYNAPSE_CONFIG_DIR;
  if (!configDir) throw new Error("SYNAPSE_CONFIG_DIR is not set: run through scripts/bench/run.sh");
  const server = await startServer("add-worker", { SYNAPSE_CONFIG_DIR: configDir }, [], "operator");
  const adds: number[] = [];
  const floors: number[] = [];
  try {
    for (let i = 0; i < N; i++) {
      const { json: plan } = await api<Plan>(server, "POST", "/api/plans", { intent: { kind: "add_worker", type: "generic" } });
      floors.push(await bareDockerRun(plan, configDir));
      const added = await addWorkerViaApi(server);
      adds.push(added.ms);
      log(`round ${i + 1}: add-worker ${added.ms.toFixed(0)} ms (${added.name}), bare docker run ${floors[floors.length - 1].toFixed(0)} ms`);
      await removeWorker(server, added.name);
    }
  } finally {
    await server.stop();
  }
  const a = stats(adds);
  const f = stats(floors);
  const overhead = a.p50 - f.p50;
  const out = [
    "",
    `Add worker (generic), API call → healthy, vs a bare docker create+start of the same container + /health poll (${POLL_MS} ms), ${N} rounds`,
    `${"measure".padEnd(26)}${"p50 ms".padStart(8)}${"min ms".padStart(9)}${"max ms".padStart(9)}`,
    `${"add-worker (API)".padEnd(26)}${fmtMs(a.p50)}${fmtMs(a.min).padStart(9)}${fmtMs(a.max).padStart(9)}`,
    `${"bare docker run".padEnd(26)}${fmtMs(f.p50)}${fmtMs(f.min).padStart(9)}${fmtMs(f.max).padStart(9)}`,
    `overhead p50 ${overhead.toFixed(0)} ms   target <= ${TARGET_OVERHEAD_MS} ms   ${overhead <= TARGET_OVERHEAD_MS ? "PASS" : "MISS"}`,
  ];
  process.stdout.write(out.join("\n") + "\n");
});
