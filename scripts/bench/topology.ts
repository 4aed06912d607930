/**
 * Benchmark: `GET /api/topology` through the real production server (scripts/server.mjs), beside its floor — the
 * unavoidable work of one bare dockerode `listContainers({all: true})` followed by the parallel
 * /health probes of the same Synapse processes — measured side by side in one run, at two
 * sizes: the running lab, and 100 stand-in worker containers.
 *
 * Run through scripts/bench/run.sh (lab up, build present). Knobs: BENCH_N (timed requests,
 * default 40), BENCH_WARMUP (5), BENCH_WORKERS (100), BENCH_IMAGE (stand-ins' image, synapse-fleet-lab:latest).
 */
import net from "node:net";
import os from "node:os";
import Docker from "dockerode";
import { envInt, fmtMiB, fmtMs, log, measurePair, runMain, startServer, stats, timeMs, waitFor, type Server, type Stats } from "./lib";
import { createStandins } from "./standins";
import { discoverTopology } from "@/lib/topology/discover";

const N = envInt("BENCH_N", 40, 5, 1000);
const WARMUP = envInt("BENCH_WARMUP", 5, 0, 100);
const WORKERS = envInt("BENCH_WORKERS", 100, 1, 500);
const TARGET_RATIO = 1.5;
const PROBE_TIMEOUT_MS = 1500; // what lib/topology/health.ts allows a probe

const docker = new Docker();
const loadAvg = () => os.loadavg().map((v) => v.toFixed(2)).join(" ");
const loadAtStart = loadAvg();

// ------------------------------------------------------------------- shapes ----

interface TopologyProcess {
  name: string;
  state: string;
  health: string;
  address: string | null;
  listeners: Array<{ port: number; type: string }>;
  container: { id: string; name: string } | null;
}
interface Topology {
  processes: TopologyProcess[];
  warnings: string[];
}

/** What the floor probes: the same process, listener and kind of probe as discovery. */
interface Target {
  containerId: string;
  name: string;
  kind: "http" | "tcp";
  port: number;
}

// ------------------------------------------------------------------- floor ----

function httpOk(address: string, port: number): Promise<boolean> {
  return fetch(`http://${address}:${port}/health`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }).then(
    async (res) => (await res.arrayBuffer(), res.status === 200),
    () => false,
  );
}

function tcpOk(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port, timeout: PROBE_TIMEOUT_MS });
    const done = (ok: boolean) => (sock.destroy(), resolve(ok));
    sock.once("connect", () => done(true));
    sock.once("timeout", () => done(false));
    sock.once("error", () => done(false));
  });
}

/** The targets of a verified topology: each process's first http listener, else its metrics port (TCP). */
function targetsOf(topo: Topology): Target[] {
  return topo.processes.flatMap((p): Target[] => {
    if (!p.container) return [];
    const http = p.listeners.find((l) => l.type === "http");
    const metrics = p.listeners.find((l) => l.type === "metrics");
    if (http) return [{ containerId: p.container.id, name: p.name, kind: "http", port: http.port }];
    if (metrics) return [{ containerId: p.container.id, name: p.name, kind: "tcp", port: metrics.port }];
    return [];
  });
}

/** One floor round: a bare listing, then every probe in parallel, addressed from that listing. */
function floorRound(targets: Target[], failures: { n: number }) {
  return async () => {
    const list = await docker.listContainers({ all: true });
    const byId = new Map(list.map((c) => [c.Id, c]));
    const ok = await Promise.all(
      targets.map((t) => {
        const c = byId.get(t.containerId);
        const ip = Object.values(c?.NetworkSettings?.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress;
        if (!ip) return false;
        return t.kind === "http" ? httpOk(ip, t.port) : tcpOk(ip, t.port);
      }),
    );
    failures.n += ok.filter((x) => !x).length;
  };
}

// ----------------------------------------------------------------- scenario ----

interface Result {
  label: string;
  processes: number;
  topology: Stats;
  floor: Stats;
  firstMs: number;
  bytes: number;
  rss: number;
  floorFailures: number;
  /** Context: Next's per-request cost without (GET /api/health) and with auth (GET /api/auth/me). */
  health: Stats | null;
  me: Stats | null;
  /** The same discovery called in-process (no HTTP, no auth), beside the floor measured with it. */
  inProcess: { discovery: Stats; floor: Stats };
  notes: string[];
}

/** A plain sequential series (warm-up + N); null when the route is not there. */
async function series(fn: () => Promise<unknown>): Promise<Stats | null> {
  try {
    for (let i = 0; i < WARMUP; i++) await fn();
    const t: number[] = [];
    for (let i = 0; i < N; i++) t.push(await timeMs(fn));
    return stats(t);
  } catch (err) {
    log(`context series skipped: ${(err as Error).message}`);
    return null;
  }
}

async function fetchTopology(server: Server): Promise<Topology> {
  return JSON.parse((await server.get("/api/topology")).body) as Topology;
}

/**
 * Waits (bounded) until the topology satisfies `verify`, then measures topology and floor
 * side by side and reads the server's RSS.
 */
async function measure(
  label: string,
  server: Server,
  configDir: string,
  verify: (t: Topology) => string | null,
  notes: string[],
): Promise<Result> {
  let first: Topology | null = null;
  const firstMs = await timeMs(async () => (first = await fetchTopology(server)));
  let problem = "";
  const topo = await waitFor(
    `${label}: topology to verify`,
    async () => {
      const t: Topology = first ?? (await fetchTopology(server));
      first = null;
      problem = verify(t) ?? "";
      if (problem) log(`${label}: not yet: ${problem}`);
      return problem ? null : t;
    },
    { timeoutMs: 120_000, intervalMs: 2000 },
  ).catch((err) => {
    throw new Error(`${(err as Error).message}: ${problem}`);
  });
  const targets = targetsOf(topo);
  if (targets.length !== topo.processes.length) throw new Error(`${label}: ${topo.processes.length - targets.length} processes have no probe target`);

  let bytes = 0;
  const failures = { n: 0 };
  log(`${label}: ${topo.processes.length} processes, all healthy; ${WARMUP} warm-up + ${N} timed rounds`);
  const { a, b } = await measurePair(
    async () => {
      bytes = (await server.get("/api/topology")).body.length;
    },
    floorRound(targets, failures),
    { warmup: WARMUP, n: N },
  );
  const health = await series(async () => {
    const res = await fetch(`${server.url}/api/health`, { signal: AbortSignal.timeout(30_000) });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`GET /api/health: HTTP ${res.status}`);
  });
  const me = await series(() => server.get("/api/auth/me"));
  process.env.SYNAPSE_CONFIG_DIR = configDir; // discovery reads it per call
  const inProc = await measurePair(() => discoverTopology(), floorRound(targets, failures), { warmup: WARMUP, n: N });
  const after = await fetchTopology(server);
  const unhealthy = after.processes.filter((p) => p.health !== "healthy").map((p) => `${p.name}=${p.health}`);
  if (unhealthy.length > 0) notes.push(`after the run the topology reported: ${unhealthy.join(", ")}`);
  if (failures.n > 0) notes.push(`${failures.n} floor probes failed (a timed-out probe inflates the floor)`);
  return {
    label,
    processes: topo.processes.length,
    topology: stats(a),
    floor: stats(b),
    firstMs,
    bytes,
    rss: server.rss(),
    floorFailures: failures.n,
    health,
    me,
    inProcess: { discovery: stats(inProc.a), floor: stats(inProc.b) },
    notes,
  };
}

// ---------------------------------------------------------------------- lab ----

async function labScenario(): Promise<Result> {
  const configDir = process.env.SYNAPSE_CONFIG_DIR;
  if (!configDir) throw new Error("SYNAPSE_CONFIG_DIR is not set: run through scripts/bench/run.sh (it brings the lab up)");
  const server = await startServer("lab", { SYNAPSE_CONFIG_DIR: configDir });
  try {
    return await measure(
      "lab",
      server,
      configDir,
      (t) => {
        if (!t.processes.some((p) => p.name === "main")) return "no main process";
        const bad = t.processes.filter((p) => p.health !== "healthy").map((p) => `${p.name}=${p.state}/${p.health}`);
        return bad.length > 0 ? `not healthy: ${bad.join(", ")}` : null;
      },
      [],
    );
  } finally {
    await server.stop();
  }
}

// -------------------------------------------------------------- stand-ins ----

async function standinScenario(): Promise<Result> {
  const fleet = await createStandins(docker, WORKERS);
  const server = await startServer("standins", { SYNAPSE_CONFIG_DIR: fleet.configDir });
  try {
    return await measure(
      `${WORKERS} workers`,
      server,
      fleet.configDir,
      (t) => {
        if (t.processes.length !== WORKERS) return `${t.processes.length} processes, expected ${WORKERS}`;
        const strangers = t.processes.filter((p) => !fleet.names.has(p.name) || !p.container || !fleet.ids.has(p.container.id));
        if (strangers.length > 0) return `unexpected processes: ${strangers.slice(0, 5).map((p) => p.name).join(", ")}`;
        const bad = t.processes.filter((p) => p.health !== "healthy");
        return bad.length > 0 ? `${bad.length} not healthy (e.g. ${bad[0].name}=${bad[0].health})` : null;
      },
      [`${WORKERS} stand-ins created and started in ${(fleet.createMs / 1000).toFixed(1)} s`],
    );
  } finally {
    await server.stop();
  }
}

// -------------------------------------------------------------------- report ----

function report(results: Result[]): void {
  const line = "-".repeat(86);
  const out: string[] = [];
  out.push("");
  out.push(`GET /api/topology (scripts/server.mjs, Bearer viewer token) vs floor, ${N} sequential timed rounds after ${WARMUP} warm-up`);
  out.push("floor = bare dockerode listContainers({all: true}) + parallel /health probes of the same processes");
  out.push(`machine: ${os.cpus().length} cores; load average at start ${loadAtStart}, at end ${loadAvg()}`);
  out.push(line);
  out.push(`${"size".padEnd(26)}${"measure".padEnd(12)}${"p50 ms".padStart(8)}${"p95 ms".padStart(9)}${"mean ms".padStart(9)}${"min ms".padStart(9)}${"max ms".padStart(9)}`);
  out.push(line);
  for (const r of results) {
    const row = (name: string, label: string, s: Stats) =>
      `${name.padEnd(26)}${label.padEnd(12)}${fmtMs(s.p50)}${fmtMs(s.p95).padStart(9)}${fmtMs(s.mean).padStart(9)}${fmtMs(s.min).padStart(9)}${fmtMs(s.max).padStart(9)}`;
    out.push(row(`${r.label} (${r.processes} procs)`, "topology", r.topology));
    out.push(row("", "floor", r.floor));
    const ratio = r.topology.p50 / r.floor.p50;
    out.push(`${"".padEnd(26)}ratio p50   ${ratio.toFixed(2)}x   target <= ${TARGET_RATIO}x   ${ratio <= TARGET_RATIO ? "PASS" : "MISS"}`);
    const ctx = [r.health && `GET /api/health ${r.health.p50.toFixed(1)}`, r.me && `GET /api/auth/me ${r.me.p50.toFixed(1)}`].filter(Boolean);
    if (ctx.length > 0) out.push(`${"".padEnd(26)}context p50 ms (Next alone, + auth): ${ctx.join(", ")}`);
    const ip = r.inProcess;
    out.push(row("", "in-process", ip.discovery));
    out.push(row("", "floor", ip.floor));
    const ipRatio = ip.discovery.p50 / ip.floor.p50;
    out.push(`${"".padEnd(26)}in-process ratio p50 ${ipRatio.toFixed(2)}x (discovery alone: no HTTP, no auth)   ${ipRatio <= TARGET_RATIO ? "PASS" : "MISS"}`);
    out.push(`${"".padEnd(26)}server RSS after run ${fmtMiB(r.rss)}; first request ${r.firstMs.toFixed(0)} ms; response ${(r.bytes / 1024).toFixed(1)} KiB`);
    for (const n of r.notes) out.push(`${"".padEnd(26)}note: ${n}`);
    out.push(line);
  }
  process.stdout.write(out.join("\n") + "\n");
}

runMain(async () => {
  const results: Result[] = [];
  try {
    log("lab scenario");
    results.push(await labScenario());
    log(`${WORKERS}-worker scenario`);
    results.push(await standinScenario());
  } finally {
    if (results.length > 0) report(results);
  }
});
