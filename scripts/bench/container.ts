/**
 * Benchmark: the dashboard as a container (issue 14 §5), beside the host build in one run.
 *
 * 1. Image size (the engine's image record) against the 250 MB target; the image is
 *    lab/dashboard/build.sh's tag for the working tree, built first (bounded) when missing.
 * 2. Cold start, BENCH_COLD_N rounds (default 3), each with a fresh, empty /data (a bind-mounted temp dir): create + start
 *    (what `docker run -d` does) to a healthy /api/health polled every 100 ms, and on to Docker's
 *    own health status `healthy` (the image's HEALTHCHECK runs every 10 s, so that is its floor).
 * 3. GET /api/topology with a viewer API token from the container (on the lab's network, socket
 *    and config dir mounted as docs/container.md says) and from scripts/server.mjs on the host,
 *    alternating (measurePair), BENCH_N (default 30) each after BENCH_WARMUP (5); p50/p95, ratio.
 * 4. Memory at idle (both up ≥ 30 s) and after the topology rounds: the container's process tree
 *    RSS (read from the host's /proc, comparable with the host server's) and its cgroup figures.
 *
 * Everything started carries `io.synapse-fleet.bench=<run id>` (recorded for run.sh's trap) and is
 * removed; the lab itself is only read. Knobs: BENCH_N, BENCH_WARMUP, BENCH_COLD_N,
 * BENCH_DASHBOARD_IMAGE (an existing image instead of build.sh's tag). Run: `npm run bench container`.
 */
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import Docker from "dockerode";
import { envInt, fmtMiB, fmtMs, log, makeTempDir, measurePair, onCleanup, randomHex, recordRunId, runMain, sleep, startServer, stats, timeMs, treeRss, waitFor, type Stats } from "./lib";
import { BENCH_LABEL } from "./standins";

const exec = promisify(execFile);
const N = envInt("BENCH_N", 30, 5, 1000);
const WARMUP = envInt("BENCH_WARMUP", 5, 0, 100);
const COLD_N = envInt("BENCH_COLD_N", 3, 1, 20);
const TARGET_IMAGE_MB = 250;
const IDLE_MS = 30_000;
const SOCKET = "/var/run/docker.sock";
const FLEET_UID = 10001; // the image's user (lab/dashboard/base.sh)
// A cold build (debootstrap + next build) takes minutes; past this it is stuck, not slow.
const BUILD_DEADLINE_MS = 20 * 60_000;
// The HEALTHCHECK's start period is 60 s and its interval 10 s: past two minutes it is broken.
const DOCKER_HEALTHY_DEADLINE_MS = 120_000;

const docker = new Docker();
const loadAvg = () => os.loadavg().map((v) => v.toFixed(2)).join(" ");
const loadAtStart = loadAvg();

interface Topology {
  docker: { reachable: boolean };
  processes: Array<{ name: string; health: string }>;
}

/** The image to measure: BENCH_DASHBOARD_IMAGE, or build.sh's tag for this tree (built when missing). */
async function dashboardImage(): Promise<{ image: string; buildMs: number | null }> {
  const given = process.env.BENCH_DASHBOARD_IMAGE;
  if (given !== undefined && given !== "") {
    if (given.length > 255 || !/^[\w][\w.\-/:@]*$/.test(given)) throw new Error("BENCH_DASHBOARD_IMAGE is not an image reference");
    await docker.getImage(given).inspect().catch(() => {
      throw new Error(`BENCH_DASHBOARD_IMAGE=${given} does not exist`);
    });
    return { image: given, buildMs: null };
  }
  const image = (await exec("bash", ["lab/dashboard/build.sh", "--tag"], { timeout: 120_000 })).stdout.trim();
  if (await docker.getImage(image).inspect().then(() => true, () => false)) return { image, buildMs: null };
  log(`${image} is missing: building it (lab/dashboard/build.sh, at most ${BUILD_DEADLINE_MS / 60_000} min)`);
  const buildMs = await timeMs(() => buildImage());
  return { image, buildMs };
}

function buildImage(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["lab/dashboard/build.sh"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const keep = (b: Buffer) => void (out = (out + b.toString()).slice(-8000));
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => child.kill("SIGTERM"), BUILD_DEADLINE_MS);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`lab/dashboard/build.sh failed (${code}):\n${out.slice(-4000)}`));
    });
  });
}

// ----------------------------------------------------------------- container ----

interface Dashboard {
  container: Docker.Container;
  name: string;
  base: string;
  /** create + start returned, /api/health answered ok, Docker said healthy: ms after create began. */
  startMs: number;
  healthMs: number;
  dockerHealthyMs: number;
  healthyAt: number;
}

async function getJson<T>(url: string, headers: Record<string, string>): Promise<T> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
  const body = await res.text();
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${body.slice(0, 200)}`);
  return JSON.parse(body) as T;
}

/**
 * A fresh, empty /data for one container, bind-mounted rather than a volume: it lives under
 * $BENCH_TMP, so even a bench that dies hard leaves no volume behind (run.sh removes the dir).
 */
function dataDir(name: string): string {
  const dir = makeTempDir(name);
  try {
    fs.chownSync(dir, FLEET_UID, FLEET_UID);
    fs.chmodSync(dir, 0o700);
  } catch {
    fs.chmodSync(dir, 0o777); // not root: the container's user cannot be given the dir, only let in
  }
  return dir;
}

/** Runs the image as docs/container.md says (lab network, socket and group, config dir at its own path), times it to healthy. */
async function runDashboard(image: string, runId: string, round: number, password: string): Promise<Dashboard> {
  const configDir = process.env.SYNAPSE_CONFIG_DIR!;
  const network = `${process.env.FLEET_LAB_COMPOSE_PROJECT || "fleetlab"}_default`;
  const name = `fleet-bench-dashboard-${runId}-${round}`;
  const data = dataDir(name);
  const t0 = performance.now();
  const container = await docker.createContainer({
    Image: image,
    name,
    Labels: { [BENCH_LABEL]: runId },
    Env: [`FLEET_ADMIN_PASSWORD=${password}`, `SYNAPSE_CONFIG_DIR=${configDir}`],
    ExposedPorts: { "3000/tcp": {} },
    HostConfig: {
      NetworkMode: network,
      GroupAdd: [String(fs.statSync(SOCKET).gid)],
      Binds: [`${SOCKET}:${SOCKET}`, `${configDir}:${configDir}`, `${data}:/data`],
      PortBindings: { "3000/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] },
    },
  });
  onCleanup(`container ${name}`, () => container.remove({ force: true }).catch(() => undefined));
  await container.start();
  const startMs = performance.now() - t0;
  const port = (await container.inspect()).NetworkSettings.Ports["3000/tcp"]?.[0]?.HostPort;
  if (!port) throw new Error(`${name}: no host port published for 3000/tcp`);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    `${name}: /api/health`,
    async () => {
      const res = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(2_000) });
      return res.ok && ((await res.json()) as { ok?: boolean }).ok === true ? true : null;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  const healthMs = performance.now() - t0;
  await waitFor(
    `${name}: Docker health status healthy`,
    async () => {
      const status = (await container.inspect()).State.Health?.Status;
      if (status === "unhealthy") throw new Error(`${name}: Docker says unhealthy`);
      return status === "healthy" ? true : null;
    },
    { timeoutMs: DOCKER_HEALTHY_DEADLINE_MS, intervalMs: 100 },
  );
  return { container, name, base, startMs, healthMs, dockerHealthyMs: performance.now() - t0, healthyAt: t0 + healthMs };
}

/** Signs in as admin and makes a viewer API token, so both servers are asked with the same kind of credential. */
async function viewerToken(d: Dashboard, password: string): Promise<string> {
  const login = await fetch(`${d.base}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: d.base },
    body: JSON.stringify({ username: "admin", password }),
    signal: AbortSignal.timeout(30_000),
  });
  if (login.status !== 200) throw new Error(`${d.name}: sign-in answered ${login.status}: ${(await login.text()).slice(0, 200)}`);
  const cookie = login.headers.getSetCookie().find((c) => c.startsWith("fleet_session="))?.split(";")[0];
  if (!cookie) throw new Error(`${d.name}: sign-in set no fleet_session cookie`);
  const res = await fetch(`${d.base}/api/admin/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: d.base, cookie },
    body: JSON.stringify({ name: "bench", role: "viewer" }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { token?: string };
  if (res.status !== 201 || !body.token?.startsWith("sf_")) throw new Error(`${d.name}: token create answered ${res.status}`);
  return body.token;
}

// ------------------------------------------------------------------- memory ----

interface Memory {
  /** RSS of the server's process tree, from /proc. */
  tree: number;
  /** The cgroup's memory.current, and that minus inactive file cache (what `docker stats` shows). */
  cgroup?: number;
  dockerStats?: number;
}

async function containerMemory(d: Dashboard): Promise<Memory> {
  const pid = (await d.container.inspect()).State.Pid;
  const s = await d.container.stats({ stream: false, "one-shot": true });
  const m = s.memory_stats;
  const inactive = m.stats?.inactive_file ?? m.stats?.total_inactive_file ?? 0;
  return { tree: treeRss(pid), cgroup: m.usage, dockerStats: m.usage - inactive };
}

/** Waits until the topology lists main and generic_worker1 and every process healthy; returns it. */
function healthyTopology(what: string, fetchIt: () => Promise<Topology>): Promise<Topology> {
  let problem = "";
  return waitFor(
    `${what}: a healthy topology`,
    async () => {
      const t = await fetchIt();
      const names = new Set(t.processes.map((p) => p.name));
      const bad = t.processes.filter((p) => p.health !== "healthy").map((p) => `${p.name}=${p.health}`);
      problem = !t.docker.reachable ? "engine unreachable" : !names.has("main") || !names.has("generic_worker1") ? "main or generic_worker1 missing" : bad.join(", ");
      return problem ? null : t;
    },
    { timeoutMs: 120_000, intervalMs: 1000 },
  ).catch((err) => {
    throw new Error(`${(err as Error).message}: ${problem}`);
  });
}

// -------------------------------------------------------------------- report ----

type MemoryPair = { container: Memory; host: Memory };

interface Results {
  image: string;
  sizeBytes: number;
  buildMs: number | null;
  cold: Dashboard[];
  topology?: { container: Stats; host: Stats; processes: number; containerBytes: number; hostBytes: number };
  idle?: MemoryPair & { containerAgeS: number; hostAgeS: number };
  after?: MemoryPair;
}

function report(r: Results): void {
  const line = "-".repeat(92);
  const mb = r.sizeBytes / 1e6;
  const row3 = (label: string, s: Stats) => `  ${label.padEnd(46)}${fmtMs(s.p50)}${fmtMs(s.min).padStart(10)}${fmtMs(s.max).padStart(10)}`;
  const out = ["", `Dashboard container ${r.image} beside the host build (scripts/server.mjs), one run`];
  out.push(`machine: ${os.cpus().length} cores; load average at start ${loadAtStart}, at end ${loadAvg()}`, line);
  out.push(`image size ${mb.toFixed(1)} MB (${fmtMiB(r.sizeBytes)})   target <= ${TARGET_IMAGE_MB} MB   ${mb <= TARGET_IMAGE_MB ? "PASS" : "MISS"}   ${r.buildMs === null ? "(present, not built)" : `(built now in ${(r.buildMs / 1000).toFixed(0)} s)`}`);
  out.push(line);
  if (r.cold.length > 0) {
    out.push(`cold start, ${r.cold.length} rounds, fresh /data each (ms from create)   ${"p50 ms".padStart(8)}${"min ms".padStart(10)}${"max ms".padStart(10)}`);
    out.push(row3("create + start returned (docker run -d)", stats(r.cold.map((d) => d.startMs))));
    out.push(row3("/api/health ok (polled every 100 ms)", stats(r.cold.map((d) => d.healthMs))));
    out.push(row3("Docker health status healthy (10 s interval)", stats(r.cold.map((d) => d.dockerHealthyMs))));
    out.push(`  rounds, /api/health ms: ${r.cold.map((d) => d.healthMs.toFixed(0)).join(", ")}`, line);
  }
  if (r.topology) {
    const t = r.topology;
    const row = (label: string, s: Stats) => `  ${label.padEnd(26)}${fmtMs(s.p50)}${fmtMs(s.p95).padStart(9)}${fmtMs(s.mean).padStart(9)}${fmtMs(s.min).padStart(9)}${fmtMs(s.max).padStart(9)}`;
    out.push(`GET /api/topology, Bearer viewer token, ${N} alternating rounds each after ${WARMUP} warm-up`);
    out.push(`  ${"".padEnd(26)}${"p50 ms".padStart(8)}${"p95 ms".padStart(9)}${"mean ms".padStart(9)}${"min ms".padStart(9)}${"max ms".padStart(9)}`);
    out.push(row("container", t.container), row("host (server.mjs)", t.host));
    out.push(`  ratio container/host: p50 ${(t.container.p50 / t.host.p50).toFixed(2)}x, p95 ${(t.container.p95 / t.host.p95).toFixed(2)}x`);
    out.push(`  ${t.processes} processes, all healthy in both; response ${(t.containerBytes / 1024).toFixed(1)} KiB / ${(t.hostBytes / 1024).toFixed(1)} KiB`, line);
  }
  if (r.idle) {
    const cell = (v: number | undefined) => (v === undefined ? "-" : fmtMiB(v)).padStart(14);
    const after = r.after;
    out.push(`memory${"".padEnd(40)}${"idle".padStart(14)}${"after topology".padStart(16)}`);
    const rows: Array<[string, (m: MemoryPair) => number | undefined]> = [
      ["container: server process tree RSS", (m) => m.container.tree],
      ["container: cgroup memory.current", (m) => m.container.cgroup],
      ["container: docker stats (- inactive_file)", (m) => m.container.dockerStats],
      ["host: server.mjs process tree RSS", (m) => m.host.tree],
    ];
    for (const [label, pick] of rows) out.push(`  ${label.padEnd(44)}${cell(pick(r.idle))}${cell(after && pick(after)).padStart(16)}`);
    out.push(`  idle read at ${r.idle.containerAgeS.toFixed(0)} s (container) and ${r.idle.hostAgeS.toFixed(0)} s (host) after each answered /api/health`);
    // Page cache is charged to the cgroup that first read it: the image's files read by an earlier round stay out of this one's.
    out.push("  RSS counts shared file pages (libnode, ICU) in full; the cgroup counts what it was charged", line);
  }
  process.stdout.write(out.join("\n") + "\n");
}

// ---------------------------------------------------------------------- main ----

runMain(async () => {
  if (!process.env.SYNAPSE_CONFIG_DIR) throw new Error("SYNAPSE_CONFIG_DIR is not set: run through npm run bench (it brings the lab up)");
  if (!fs.statSync(SOCKET).isSocket()) throw new Error(`${SOCKET} is not a socket`);
  // AbortSignal.timeout's timer is unref'd, and while a fetch waits on docker-proxy's port before
  // the server listens nothing else may hold the event loop: Node would exit mid-wait, silently.
  const keepAlive = setInterval(() => undefined, 60_000);
  onCleanup("keep-alive timer", () => clearInterval(keepAlive));
  const runId = randomHex(4);
  recordRunId(runId);
  const { image, buildMs } = await dashboardImage();
  const r: Results = { image, sizeBytes: (await docker.getImage(image).inspect()).Size, buildMs, cold: [] };
  try {
    const password = randomHex(18);
    let subject: Dashboard | null = null;
    for (let i = 1; i <= COLD_N; i++) {
      const d = await runDashboard(image, runId, i, password);
      r.cold.push(d);
      log(`cold start ${i}/${COLD_N}: /api/health ${d.healthMs.toFixed(0)} ms, Docker healthy ${d.dockerHealthyMs.toFixed(0)} ms`);
      // The last one stays up for the topology rounds; the others go before the next round starts.
      if (i < COLD_N) await d.container.remove({ force: true });
      else subject = d;
    }
    const d = subject!;
    const host = await startServer("host", { SYNAPSE_CONFIG_DIR: process.env.SYNAPSE_CONFIG_DIR });
    const hostReadyAt = performance.now();

    const wait = Math.max(d.healthyAt, hostReadyAt) + IDLE_MS - performance.now();
    log(`idle: waiting ${(wait / 1000).toFixed(0)} s until both have been up ${IDLE_MS / 1000} s`);
    if (wait > 0) await sleep(wait);
    const now = performance.now();
    r.idle = { container: await containerMemory(d), host: { tree: host.rss() }, containerAgeS: (now - d.healthyAt) / 1000, hostAgeS: (now - hostReadyAt) / 1000 };

    const token = await viewerToken(d, password);
    const auth = { authorization: `Bearer ${token}` };
    const inContainer = await healthyTopology(d.name, () => getJson<Topology>(`${d.base}/api/topology`, auth));
    const onHost = await healthyTopology("host", async () => JSON.parse((await host.get("/api/topology")).body) as Topology);
    const names = (t: Topology) => t.processes.map((p) => p.name).sort().join(",");
    if (names(inContainer) !== names(onHost)) throw new Error(`the two see different processes: container ${names(inContainer)}; host ${names(onHost)}`);

    let containerBytes = 0;
    let hostBytes = 0;
    log(`topology: ${WARMUP} warm-up + ${N} alternating rounds each`);
    const { a, b } = await measurePair(
      async () => {
        const res = await fetch(`${d.base}/api/topology`, { headers: auth, signal: AbortSignal.timeout(30_000) });
        containerBytes = (await res.text()).length;
        if (!res.ok) throw new Error(`container GET /api/topology: HTTP ${res.status}`);
      },
      async () => {
        hostBytes = (await host.get("/api/topology")).body.length;
      },
      { warmup: WARMUP, n: N },
    );
    r.topology = { container: stats(a), host: stats(b), processes: onHost.processes.length, containerBytes, hostBytes };
    r.after = { container: await containerMemory(d), host: { tree: host.rss() } };
  } finally {
    report(r);
  }
});
