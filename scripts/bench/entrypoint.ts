/**
 * Benchmark: the lab's nginx entrypoint (:8080), three figures side by side in one run.
 *  1. Latency through the entrypoint against straight to the generic worker it routes to
 *     (GET /_matrix/client/versions, kept-alive connections both ways, alternating): p50 overhead,
 *     target ≤ 1 ms.
 *  2. Failed requests while the dashboard adds and then removes a generic worker under a steady
 *     client load through the entrypoint (BENCH_LB_RPS requests a second): target 0.
 *  3. A plan's reload (render the config, `nginx -t`, `nginx -s reload`, as lib/operations/lb.ts
 *     does it) beside a bare `nginx -s reload`.
 * The lab must be in workers mode with its `lb` service; the worker added is removed again.
 *
 * Knobs: BENCH_LB_N (latency pairs, default 400), BENCH_LB_RELOADS (default 10), BENCH_LB_RPS (default 20).
 */
import { execFileSync } from "node:child_process";
import { captureSnapshot } from "@/lib/operations/snapshot";
import { readDeployment } from "@/lib/synapse/deployment";
import { renderLbConfig, upstreamOfWorker } from "@/lib/synapse/plan-lb";
import type { Operation } from "@/lib/synapse/plan-schema";
import { envInt, fmtMs, log, measurePair, runMain, sleep, startServer, stats, timeMs, type Server } from "./lib";

const N = envInt("BENCH_LB_N", 400, 20, 10_000);
const RELOADS = envInt("BENCH_LB_RELOADS", 10, 2, 100);
const RPS = envInt("BENCH_LB_RPS", 20, 1, 200);
const ENTRY = process.env.FLEET_LAB_ENTRYPOINT_URL ?? "http://localhost:8080";
const DIRECT = "http://localhost:8009"; // generic_worker1, published by the lab
const LB_CONTAINER = "fleetlab_lb_1";
const TARGET_OVERHEAD_MS = 1;

async function get(base: string): Promise<void> {
  const res = await fetch(`${base}/_matrix/client/versions`, { signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${base}: HTTP ${res.status}`);
}

async function operation(server: Server, method: string, pathname: string, body?: unknown): Promise<Operation> {
  const call = async <T>(m: string, p: string, b?: unknown) => {
    const res = await fetch(server.url + p, {
      method: m,
      headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
      body: b === undefined ? undefined : JSON.stringify(b),
      signal: AbortSignal.timeout(180_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${m} ${p}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  };
  const { operationId } = await call<{ operationId: string }>(method, pathname, body);
  const deadline = Date.now() + 180_000;
  for (;;) {
    const op = await call<Operation>("GET", `/api/operations/${operationId}`);
    if (op.status !== "applying" && op.status !== "planned") return op;
    if (Date.now() > deadline) throw new Error(`operation ${operationId} still ${op.status}`);
    await sleep(200);
  }
}

/** A client at RPS requests a second through the entrypoint until stopped; every failure kept. */
function steadyLoad() {
  let on = true;
  let sent = 0;
  const failures: string[] = [];
  const loop = (async () => {
    const gap = 1000 / RPS;
    while (on) {
      const t0 = performance.now();
      sent++;
      // A browser sends an idempotent request again when a kept-alive connection closes under it
      // before any answer (nginx's graceful reload closes idle ones); so does this client, once.
      await get(ENTRY)
        .catch((err: { cause?: { code?: string } }) => (err.cause?.code === "UND_ERR_SOCKET" ? get(ENTRY) : Promise.reject(err)))
        .catch((err: Error) => failures.push(err.message));
      await sleep(Math.max(0, gap - (performance.now() - t0)));
    }
  })();
  return {
    async stop() {
      on = false;
      await loop;
      return { sent, failures };
    },
  };
}

const exec = (...args: string[]) => execFileSync("docker", ["exec", LB_CONTAINER, ...args], { stdio: "pipe" });

runMain(async () => {
  const configDir = process.env.SYNAPSE_CONFIG_DIR;
  if (!configDir) throw new Error("SYNAPSE_CONFIG_DIR is not set: run through scripts/bench/run.sh");
  await get(ENTRY).catch((err) => {
    throw new Error(`the lab's entrypoint does not answer on ${ENTRY} (${(err as Error).message}): npm run lab -- up workers`);
  });

  // 1. Latency.
  log(`latency: ${N} pairs of GET /_matrix/client/versions, entrypoint vs direct`);
  const lat = await measurePair(() => get(ENTRY), () => get(DIRECT), { warmup: 50, n: N });
  const viaLb = stats(lat.a);
  const direct = stats(lat.b);
  const overhead = viaLb.p50 - direct.p50;

  // 2. Add and remove under load.
  const server = await startServer("entrypoint", { SYNAPSE_CONFIG_DIR: configDir }, [], "operator");
  let load: { sent: number; failures: string[] };
  let addMs = 0;
  let removeMs = 0;
  try {
    const client = steadyLoad();
    await sleep(2000);
    const t0 = performance.now();
    const added = await operation(server, "POST", "/api/workers", { type: "generic" });
    addMs = performance.now() - t0;
    if (added.status !== "succeeded") throw new Error(`add-worker ${added.status}: ${added.error}`);
    const name = added.plan.steps.find((s) => s.kind === "create_container")?.process;
    if (!name) throw new Error("the add-worker plan created no container");
    await sleep(3000);
    const t1 = performance.now();
    const removed = await operation(server, "DELETE", `/api/workers/${name}`);
    removeMs = performance.now() - t1;
    if (removed.status !== "succeeded") throw new Error(`remove ${name} ${removed.status}: ${removed.error}`);
    await sleep(2000);
    load = await client.stop();
  } finally {
    await server.stop();
  }

  // 3. Reload: a plan's way against a bare one.
  const snapshot = await captureSnapshot();
  const lb = snapshot.loadBalancer;
  if (!lb) throw new Error("discovery found no load balancer in the lab");
  const dep = readDeployment(snapshot);
  const planReload = async () => {
    renderLbConfig(dep, lb, dep.workers.flatMap((w) => upstreamOfWorker(w) ?? []));
    exec("nginx", "-t", "-q");
    exec("nginx", "-s", "reload");
  };
  const bare = async () => {
    exec("nginx", "-s", "reload");
  };
  const reloads = await measurePair(planReload, bare, { warmup: 1, n: RELOADS });
  const renderOnly = stats(await Promise.all(Array.from({ length: 50 }, () => timeMs(async () => renderLbConfig(dep, lb, dep.workers.flatMap((w) => upstreamOfWorker(w) ?? []))))));
  const pr = stats(reloads.a);
  const br = stats(reloads.b);

  const row = (label: string, s: { p50: number; p95: number; max: number }) => `${label.padEnd(40)}${fmtMs(s.p50)}${fmtMs(s.p95).padStart(9)}${fmtMs(s.max).padStart(9)}`;
  const out = [
    "",
    `Entrypoint latency, ${N} alternating pairs (GET /_matrix/client/versions, keep-alive)`,
    `${"measure".padEnd(40)}${"p50 ms".padStart(8)}${"p95 ms".padStart(9)}${"max ms".padStart(9)}`,
    row("through nginx :8080 → generic_worker1", viaLb),
    row("direct to generic_worker1 :8009", direct),
    `overhead p50 ${overhead.toFixed(2)} ms   target <= ${TARGET_OVERHEAD_MS} ms   ${overhead <= TARGET_OVERHEAD_MS ? "PASS" : "MISS"}`,
    "",
    `Add then remove a generic worker under ${RPS} req/s through the entrypoint: add ${(addMs / 1000).toFixed(1)} s, remove ${(removeMs / 1000).toFixed(1)} s`,
    `requests ${load.sent}, failed ${load.failures.length}   target 0   ${load.failures.length === 0 ? "PASS" : "MISS"}`,
    ...load.failures.slice(0, 5).map((f) => `  ${f}`),
    "",
    `Reload, ${RELOADS} alternating pairs`,
    `${"measure".padEnd(40)}${"p50 ms".padStart(8)}${"p95 ms".padStart(9)}${"max ms".padStart(9)}`,
    row("render + nginx -t + nginx -s reload", pr),
    row("bare nginx -s reload", br),
    row("render alone (in process)", renderOnly),
    `a plan's reload costs ${(pr.p50 - br.p50).toFixed(0)} ms over a bare one (p50)`,
  ];
  process.stdout.write(out.join("\n") + "\n");
});
