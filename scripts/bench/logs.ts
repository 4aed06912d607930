/**
 * Benchmark: the log viewer's throughput and footprint against a container that prints
 * Synapse-like access lines flat out and at fixed rates (1k, 10k, 50k lines/s). For each rate,
 * one after the other on the same container, in windows of the same length:
 *   - `docker logs -f -t` (the raw rate: the Docker CLI, its lines counted),
 *   - a plain Node SSE client of GET /api/logs (the server alone),
 *   - a real page, /logs?workers=<emitter> in Debian chromium, signed in (server + browser),
 *     reading the page's own counter (window.__fleetLogs, components/logs/logStore.ts) and its
 *     longest animation frame;
 *   - side by side: `docker logs -f` and a fresh page reading at the same time, counted over
 *     the same window (whether the page keeps up with what the engine hands out meanwhile);
 * then the browser's JS heap after 1M lines (after a forced GC) and the server's RSS.
 *
 * On a small machine "flat out" is a contest for CPU: the engine's own log handling (dockerd)
 * takes about a core at 50k lines/s, so whatever reads the log slows the writer too. The windows
 * one after the other show that cost; the side-by-side window shows the page against the CLI
 * under the same load.
 *
 * The emitter is a stand-in worker (see standins.ts): the lab image running a python3 loop
 * whose command line carries `synapse.app.generic_worker --config-path …`, with a temp config
 * dir mounted at /data that the dashboard under test gets as SYNAPSE_CONFIG_DIR. Its rate is
 * a file in a mounted control dir, so one container (one worker name) serves every phase.
 *
 * Run through scripts/bench/run.sh (build present). Knobs: BENCH_LOGS_WINDOW_S (measured seconds
 * per window, default 10), BENCH_LOGS_WARMUP_S (3), BENCH_LOGS_HEAP_LINES (1000000), and for
 * looking into it BENCH_LOGS_RATES, BENCH_LOGS_PROFILE, BENCH_LOGS_TRACE, BENCH_LOGS_SERVER_PROFILE,
 * BENCH_LOGS_BROWSER (see below).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import Docker from "dockerode";
import { chromium } from "playwright-core";
import { BareChromium } from "./bare-chromium";
import { envInt, fmtMiB, log, makeTempDir, onCleanup, randomHex, recordRunId, runMain, sleep, startServer, waitFor, withTimeout, type Server } from "./lib";
import { BENCH_LABEL, STANDIN_IMAGE } from "./standins";

const WINDOW_S = envInt("BENCH_LOGS_WINDOW_S", 10, 2, 120);
const WARMUP_S = envInt("BENCH_LOGS_WARMUP_S", 3, 1, 30);
const HEAP_LINES = envInt("BENCH_LOGS_HEAP_LINES", 1_000_000, 10_000, 10_000_000);
const ALL_RATES: Array<{ label: string; rate: number }> = [
  { label: "1k/s", rate: 1_000 },
  { label: "10k/s", rate: 10_000 },
  { label: "50k/s", rate: 50_000 },
  { label: "flat out", rate: -1 },
];
/** BENCH_LOGS_RATES=10000,-1 measures only those rates (for profiling; the report then misses the others). */
const RATES = process.env.BENCH_LOGS_RATES ? ALL_RATES.filter((r) => process.env.BENCH_LOGS_RATES!.split(",").map(Number).includes(r.rate)) : ALL_RATES;
const TARGET_LINES_PER_S = 50_000;
const TARGET_RATIO = 0.9;
const TARGET_HEAP_BYTES = 150 * 1024 * 1024;
const TARGET_FRAME_MS = 100;
const FRAME_RATE = 10_000; // the rate at which the longest frame is judged
/** BENCH_LOGS_PROFILE=<rate> (e.g. 50000; -1 = flat out): logs a CPU profile of the page at that rate. */
const PROFILE_RATE = process.env.BENCH_LOGS_PROFILE ? Number(process.env.BENCH_LOGS_PROFILE) : null;
/** BENCH_LOGS_TRACE=<rate>: logs the longest main-thread events of a Chromium trace of the page at that rate (bare browser). */
const TRACE_RATE = process.env.BENCH_LOGS_TRACE ? Number(process.env.BENCH_LOGS_TRACE) : null;
/** BENCH_LOGS_SERVER_PROFILE=<dir>: the dashboard server writes a V8 CPU profile of the whole run there when it stops. */
const SERVER_PROFILE_DIR = process.env.BENCH_LOGS_SERVER_PROFILE ?? null;

const WORKER = "bench_logs";
const HTTP_PORT = 18999;
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

const docker = new Docker();
const loadAvg = () => os.loadavg().map((v) => v.toFixed(2)).join(" ");

// ------------------------------------------------------------------ emitter ----

/**
 * Prints Synapse access lines to stdout: batches every 10 ms at the rate in the control file
 * (lines/s; 0 = idle; -1 = as fast as it can, 2,000 lines per write). Checks the file every 100 ms.
 */
const EMITTER_PY = `# Synapse Fleet benchmark emitter: Synapse-like log lines at the rate in ${"/opt/fleet-bench/rate"}.
import os, signal, sys, time

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
RATE_FILE = "/opt/fleet-bench/rate"
LINE = ("%s,%03d - synapse.access.http.8009 - 473 - INFO - GET-%d - 172.18.0.1 - 8009 - {@bench:bench.test} "
        "Processed request: 0.001sec/0.000sec (0.000sec, 0.000sec) (0.000sec/0.000sec/0) 226B 200 "
        '"GET /_matrix/client/versions HTTP/1.1" "curl/7.88.1" [0 dbevts]\\n')

def read_rate():
    try:
        with open(RATE_FILE) as f:
            return int(f.read().strip() or "0")
    except (OSError, ValueError):
        return 0

n = 0
rate = 0
check_at = 0.0
due = time.monotonic()
while True:
    now = time.monotonic()
    if now >= check_at:
        new = read_rate()
        if new != rate:
            rate = new
            due = now
        check_at = now + 0.1
    if rate == 0:
        time.sleep(0.05)
        continue
    batch = 2000 if rate < 0 else max(1, rate // 100)
    wall = time.time()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(wall))
    ms = int(wall * 1000) % 1000
    data = "".join([LINE % (stamp, ms, n + i) for i in range(batch)]).encode()
    n += batch
    view = memoryview(data)
    while view:
        view = view[os.write(1, view):]
    if rate > 0:
        due += batch / rate
        ahead = due - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
        elif ahead < -1:
            due = time.monotonic()  # far behind: do not burst to catch up
`;

interface Emitter {
  id: string;
  configDir: string;
  setRate(rate: number): void;
}

async function createEmitter(): Promise<Emitter> {
  const images = await docker.listImages({ filters: { reference: [STANDIN_IMAGE] } });
  if (images.length === 0) throw new Error(`image ${STANDIN_IMAGE} is missing: bash lab/lab.sh build`);
  const runId = randomHex(4);
  recordRunId(runId);
  const root = makeTempDir("logs-emitter");
  const configDir = path.join(root, "config");
  const controlDir = path.join(root, "control");
  fs.mkdirSync(path.join(configDir, "workers"), { recursive: true });
  fs.mkdirSync(controlDir);
  fs.writeFileSync(
    path.join(configDir, "homeserver.yaml"),
    ["# Synapse Fleet log benchmark: stand-in deployment (no real Synapse runs from this file)", 'server_name: "bench.test"', "listeners:", "  - port: 8008", "    type: http", "    resources:", "      - names: [client, federation]", ""].join("\n"),
  );
  fs.writeFileSync(
    path.join(configDir, "workers", `${WORKER}.yaml`),
    ["worker_app: synapse.app.generic_worker", `worker_name: ${WORKER}`, "worker_listeners:", "  - type: http", `    port: ${HTTP_PORT}`, "    resources:", "      - names: [client]", ""].join("\n"),
  );
  fs.writeFileSync(path.join(controlDir, "emitter.py"), EMITTER_PY);
  const rateFile = path.join(controlDir, "rate");
  const setRate = (rate: number) => {
    // Written whole, then renamed: the emitter never reads half a number.
    fs.writeFileSync(`${rateFile}.tmp`, String(rate));
    fs.renameSync(`${rateFile}.tmp`, rateFile);
  };
  setRate(0);

  onCleanup(`log emitter (label ${BENCH_LABEL}=${runId})`, async () => {
    const list = await docker.listContainers({ all: true, filters: { label: [`${BENCH_LABEL}=${runId}`] } });
    for (const c of list) await docker.getContainer(c.Id).remove({ force: true }).catch((err: Error) => log(`remove ${c.Id}: ${err.message}`));
    log(`removed ${list.length} emitter container(s)`);
  });
  const c = await docker.createContainer({
    name: `fleetbench-${runId}-logs`,
    Image: STANDIN_IMAGE,
    Cmd: ["python3", "/opt/fleet-bench/emitter.py", "synapse.app.generic_worker", "--config-path", "/data/homeserver.yaml", "--config-path", `/data/workers/${WORKER}.yaml`],
    Labels: { [BENCH_LABEL]: runId },
    HostConfig: {
      Binds: [`${configDir}:/data:ro`, `${controlDir}:/opt/fleet-bench:ro`],
      NetworkMode: "bridge",
      // Flat out fills the disk at tens of MB/s: the engine keeps at most 2 × 64 MB of it.
      LogConfig: { Type: "json-file", Config: { "max-size": "64m", "max-file": "2" } },
    },
  });
  await c.start();
  log(`emitter ${c.id.slice(0, 12)} started (worker ${WORKER})`);
  return { id: c.id, configDir, setRate };
}

// ---------------------------------------------------------------- consumers ----

/** A consumer counting lines as they arrive; `count()` is read at the window's edges. */
interface Consumer {
  count(): number;
  stop(): Promise<void>;
}

/** The raw rate: `docker logs -f -t --tail 0`, its stdout's newlines counted. */
function dockerLogsConsumer(id: string): Consumer {
  let lines = 0;
  const child: ChildProcess = spawn("docker", ["logs", "-f", "-t", "--tail", "0", id], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (chunk: Buffer) => {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
  });
  let exited = false;
  const exitedP = new Promise<void>((r) => child.once("exit", () => ((exited = true), r())));
  onCleanup(`docker logs (pid ${child.pid})`, () => void (exited || child.kill("SIGKILL")));
  return {
    count: () => lines,
    async stop() {
      if (exited) return;
      child.kill("SIGTERM");
      await Promise.race([exitedP, sleep(3000)]);
      if (!exited) child.kill("SIGKILL");
    },
  };
}

/** The server alone: GET /api/logs over SSE with fetch, each `lines` batch parsed like the page does. */
function sseConsumer(server: Server): Consumer {
  let lines = 0;
  const ctrl = new AbortController();
  const reading = (async () => {
    const res = await fetch(`${server.url}/api/logs?workers=${WORKER}&follow=1&tail=0`, { headers: { authorization: `Bearer ${server.token}` }, signal: ctrl.signal });
    if (!res.ok || !res.body) throw new Error(`GET /api/logs: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    const decoder = new TextDecoder();
    let buf = "";
    let scanned = 0; // where the search for the event's end goes on (a batch spans many chunks)
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buf.indexOf("\n\n", scanned)) >= 0) {
        const event = buf.slice(0, end);
        buf = buf.slice(end + 2);
        scanned = 0;
        if (!event.includes("event: lines\n")) continue;
        const data = event.slice(event.indexOf("\ndata: ") + 7);
        lines += (JSON.parse(data) as { lines: unknown[] }).lines.length;
      }
      scanned = Math.max(0, buf.length - 1);
    }
  })().catch((err: Error) => {
    if (!ctrl.signal.aborted) log(`SSE client: ${err.message}`);
  });
  onCleanup("SSE client", () => ctrl.abort());
  return {
    count: () => lines,
    async stop() {
      ctrl.abort();
      await withTimeout(reading, 5000, "SSE client to stop").catch(() => undefined);
    },
  };
}

/**
 * A browser tab as the measurements see it: expressions evaluated in the page, DevTools commands.
 * By default a bare DevTools pipe (bare-chromium.ts: no Network domain, as for an operator);
 * BENCH_LOGS_BROWSER=playwright drives the same chromium through Playwright instead, whose Network
 * domain copies every SSE message to the driver (kept for comparison).
 */
interface Tab {
  evaluate<T>(expression: string): Promise<T>;
  cdp<T = Record<string, unknown>>(method: string, params?: Record<string, unknown>): Promise<T>;
  goto(url: string): Promise<void>;
  close(): Promise<void>;
}

interface Browsers {
  newTab(): Promise<Tab>;
  /** A Chromium trace of every process (bare browser only). */
  trace?: { start(): Promise<void>; stop(): Promise<TraceEvent[]> };
}

interface TraceEvent {
  name: string;
  ph: string;
  dur?: number;
  pid: number;
  tid: number;
  ts: number;
  args?: { data?: { functionName?: string; url?: string } };
}

const BROWSER = process.env.BENCH_LOGS_BROWSER === "playwright" ? "playwright" : "bare";
const VIEWPORT = { width: 1400, height: 900 };

/** Chromium with a signed-in session cookie for the dashboard under test. */
async function openBrowser(server: Server, adminPassword: string): Promise<Browsers> {
  if (BROWSER === "playwright") {
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS, timeout: 60_000 });
    onCleanup("chromium (Playwright)", () => browser.close());
    const context = await browser.newContext({ viewport: VIEWPORT });
    const login = await context.request.post(`${server.url}/api/auth/login`, { data: { username: "admin", password: adminPassword }, timeout: 30_000 });
    if (!login.ok()) throw new Error(`sign-in: HTTP ${login.status()} ${(await login.text()).slice(0, 200)}`);
    return {
      async newTab() {
        const page = await context.newPage();
        const session = await context.newCDPSession(page);
        return {
          evaluate: (expression) => page.evaluate(expression),
          cdp: <T>(method: string, params?: Record<string, unknown>) => session.send(method as "Runtime.evaluate", params as never) as Promise<T>,
          goto: async (url) => void (await page.goto(url, { waitUntil: "load", timeout: 60_000 })),
          close: () => page.close({ runBeforeUnload: false }).catch(() => undefined),
        };
      },
    };
  }
  const browser = await BareChromium.launch(CHROMIUM_ARGS, VIEWPORT);
  const login = await fetch(`${server.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json", origin: server.url }, body: JSON.stringify({ username: "admin", password: adminPassword }) });
  if (!login.ok) throw new Error(`sign-in: HTTP ${login.status} ${(await login.text()).slice(0, 200)}`);
  const cookies = login.headers.getSetCookie().map((c) => {
    const [pair] = c.split(";");
    const eq = pair.indexOf("=");
    return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), url: server.url, httpOnly: true };
  });
  if (cookies.length === 0) throw new Error("sign-in: no session cookie");
  await browser.setCookies(cookies);
  return {
    async newTab() {
      const page = await browser.newPage();
      return { evaluate: (e) => page.evaluate(e), cdp: (m, p) => page.send(m, p), goto: (u) => page.goto(u), close: () => page.close() };
    },
    trace: {
      async start() {
        await browser.call("Tracing.start", { categories: "devtools.timeline,v8,blink,disabled-by-default-devtools.timeline", transferMode: "ReportEvents" });
      },
      async stop() {
        const events: TraceEvent[] = [];
        const off = browser.on("Tracing.dataCollected", (p) => void events.push(...(p.value as TraceEvent[])));
        const complete = new Promise<void>((r) => {
          const offDone = browser.on("Tracing.tracingComplete", () => (offDone(), r()));
        });
        await browser.call("Tracing.end");
        await withTimeout(complete, 60_000, "the trace");
        off();
        return events;
      },
    },
  };
}

/** Reads the page's counters. */
function pageCounters(tab: Tab): Promise<{ received: number; retained: number }> {
  return tab.evaluate("(() => { const c = window.__fleetLogs; return { received: c ? c.received : 0, retained: c ? c.retained : 0 }; })()");
}

/** Opens the logs page of the emitter in a fresh tab; its counter is then read by `count()` (polled). */
async function pageConsumer(browsers: Browsers, server: Server): Promise<Consumer & { tab: Tab; refresh(): Promise<void> }> {
  const tab = await browsers.newTab();
  let received = 0;
  await tab.goto(`${server.url}/logs?workers=${WORKER}`);
  const where = await tab.evaluate<string>("location.pathname");
  if (where !== "/logs") throw new Error(`the logs page redirected to ${where} (not signed in?)`);
  await waitFor(
    "the logs page to go live",
    async () => ((await tab.evaluate<string>(`document.querySelector('[data-testid="log-connection"]')?.textContent ?? ""`)).includes("Live") ? true : null),
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  return {
    tab,
    count: () => received,
    async refresh() {
      received = (await pageCounters(tab)).received;
    },
    async stop() {
      await tab.close();
    },
  };
}

// --------------------------------------------------------------- measuring ----

interface WindowResult {
  linesPerS: number;
  rssMax: number;
  /** Page only: the longest frame (rAF delta) and long tasks in the window. */
  frameMaxMs?: number;
  frames?: number;
  framesOver100?: number;
  longTaskMaxMs?: number;
}

/**
 * Starts a rAF loop and a long-task observer in the page, recording from now on. A string, not a
 * function: tsx's esbuild would wrap the inner functions in a `__name` helper the page lacks.
 */
const FRAME_PROBE_JS = `(() => {
  const w = window;
  if (w.__frameProbe && w.__frameProbe.obs) w.__frameProbe.obs.disconnect();
  const p = { max: 0, n: 0, over: 0, longMax: 0, last: performance.now(), on: true, obs: null };
  w.__frameProbe = p;
  function tick(t) {
    if (!p.on) return;
    const d = t - p.last;
    p.last = t;
    p.n++;
    if (d > p.max) p.max = d;
    if (d > 100) p.over++;
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(function (t) { p.last = t; requestAnimationFrame(tick); });
  try {
    p.obs = new PerformanceObserver(function (list) {
      for (const e of list.getEntries()) if (e.duration > p.longMax) p.longMax = e.duration;
    });
    p.obs.observe({ type: "longtask" });
  } catch (e) {
    /* long tasks unsupported: the rAF loop still measures */
  }
  // The worst long animation frames, taken apart (where supported): scripts, then style and layout, then paint.
  p.loaf = [];
  try {
    p.loafObs = new PerformanceObserver(function (list) {
      for (const e of list.getEntries()) {
        if (e.duration < 80) continue;
        const scripts = (e.scripts || []).slice().sort(function (a, b) { return b.duration - a.duration; }).slice(0, 3).map(function (s) {
          return Math.round(s.duration) + " ms " + s.invokerType + " " + s.invoker + " " + (s.sourceFunctionName || "") + " " + String(s.sourceURL || "").split("/").pop() + ":" + s.sourceCharPosition;
        });
        const end = e.startTime + e.duration;
        p.loaf.push({
          ms: Math.round(e.duration),
          blocking: Math.round(e.blockingDuration || 0),
          script: Math.round((e.renderStart || end) - e.startTime),
          render: Math.round((e.styleAndLayoutStart || end) - (e.renderStart || end)),
          styleLayout: e.styleAndLayoutStart ? Math.round(end - e.styleAndLayoutStart) : 0,
          scripts: scripts,
        });
      }
    });
    p.loafObs.observe({ type: "long-animation-frame" });
  } catch (e) {
    /* no long-animation-frame entries in this browser */
  }
})()`;

async function startFrameProbe(tab: Tab): Promise<void> {
  await tab.evaluate(FRAME_PROBE_JS);
}

interface LongFrame {
  ms: number;
  blocking: number;
  script: number;
  render: number;
  styleLayout: number;
  scripts: string[];
}

async function stopFrameProbe(tab: Tab): Promise<{ max: number; n: number; over: number; longMax: number; loaf: LongFrame[] }> {
  const f = await tab.evaluate<{ max: number; n: number; over: number; longMax: number; loaf: LongFrame[] } | null>(
    "(() => { const p = window.__frameProbe; if (!p) return null; p.on = false; if (p.obs) p.obs.disconnect(); if (p.loafObs) p.loafObs.disconnect(); return { max: p.max, n: p.n, over: p.over, longMax: p.longMax, loaf: p.loaf }; })()",
  );
  return f ?? { max: NaN, n: 0, over: 0, longMax: NaN, loaf: [] };
}

/**
 * Warm-up, then counts over WINDOW_S seconds; samples the server's RSS every 500 ms meanwhile.
 * `refresh` brings `count()` up to date (the page's counter lives in the browser).
 */
async function measureWindow(server: Server, consumer: Consumer, refresh?: () => Promise<void>, page?: Tab): Promise<WindowResult> {
  let rssMax = server.rss();
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, server.rss())), 500);
  try {
    await sleep(WARMUP_S * 1000);
    if (page) await startFrameProbe(page);
    await refresh?.();
    const c0 = consumer.count();
    const t0 = performance.now();
    await sleep(WINDOW_S * 1000);
    await refresh?.();
    const c1 = consumer.count();
    const t1 = performance.now();
    const out: WindowResult = { linesPerS: ((c1 - c0) * 1000) / (t1 - t0), rssMax };
    if (page) {
      const f = await stopFrameProbe(page);
      // The slowest frames taken apart (long-animation-frame entries of 80 ms and more): where the time went.
      for (const l of f.loaf.sort((a, b) => b.ms - a.ms).slice(0, 3))
        log(`  long frame ${l.ms} ms (blocking ${l.blocking}): scripts ${l.script} ms, rendering ${l.render} ms, style+layout+paint ${l.styleLayout} ms${l.scripts.length ? `; ${l.scripts.join(" | ")}` : ""}`);
      Object.assign(out, { frameMaxMs: f.max, frames: f.n, framesOver100: f.over, longTaskMaxMs: f.longMax });
    }
    out.rssMax = Math.max(rssMax, server.rss());
    return out;
  } finally {
    clearInterval(sampler);
  }
}

// ---------------------------------------------------------------- profiling ----

async function startProfile(tab: Tab): Promise<Tab> {
  await tab.cdp("Profiler.enable");
  await tab.cdp("Profiler.setSamplingInterval", { interval: 500 });
  await tab.cdp("Profiler.start");
  return tab;
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }>;
  samples?: number[];
  timeDeltas?: number[];
}

/** Stops the page's CPU profile and logs where its main thread spent the time (self time, top 25). */
async function stopProfile(tab: Tab, label: string): Promise<void> {
  const { profile } = await tab.cdp<{ profile: CpuProfile }>("Profiler.stop");
  const file = path.join(os.tmpdir(), `fleet-bench-profile-${label.replace(/\W+/g, "")}.cpuprofile`);
  fs.writeFileSync(file, JSON.stringify(profile));
  log(`page CPU profile at ${label}: ${file}`);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  const deltas = profile.timeDeltas ?? [];
  (profile.samples ?? []).forEach((id, i) => {
    const n = byId.get(id);
    if (!n) return;
    const f = n.callFrame;
    const where = f.url ? `${f.url.split("/").pop()}:${f.lineNumber + 1}:${f.columnNumber + 1}` : "";
    const key = `${f.functionName || "(anonymous)"} ${where}`.trim();
    const us = deltas[i + 1] ?? 0;
    self.set(key, (self.get(key) ?? 0) + us);
    total += us;
  });
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
  log(`page CPU profile at ${label} (self time, ${(total / 1e6).toFixed(1)} s sampled):`);
  for (const [k, us] of top) log(`  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
}

/** The renderer's main thread in a trace: where its time went (total per event name) and its longest events. */
function summarizeTrace(events: TraceEvent[], label: string): void {
  const main = events.find((e) => e.name === "thread_name" && (e as unknown as { args: { name: string } }).args.name === "CrRendererMain");
  const onMain = events.filter((e) => main && e.pid === main.pid && e.tid === main.tid && e.ph === "X" && e.dur !== undefined);
  const byName = new Map<string, { total: number; max: number; n: number }>();
  for (const e of onMain) {
    const s = byName.get(e.name) ?? { total: 0, max: 0, n: 0 };
    s.total += e.dur!;
    s.max = Math.max(s.max, e.dur!);
    s.n++;
    byName.set(e.name, s);
  }
  const file = path.join(os.tmpdir(), `fleet-bench-trace-${label.replace(/\W+/g, "")}.json`);
  fs.writeFileSync(file, JSON.stringify({ traceEvents: events }));
  log(`trace at ${label}: ${file} (open in chrome://tracing or Perfetto); renderer main thread, events by total time:`);
  for (const [name, s] of [...byName].sort((a, b) => b[1].total - a[1].total).slice(0, 25))
    log(`  ${(s.total / 1000).toFixed(0).padStart(7)} ms total  ${(s.max / 1000).toFixed(1).padStart(7)} ms max  ${String(s.n).padStart(6)}x  ${name}`);
  log("  garbage collection on that thread (longest):");
  for (const [name, s] of [...byName].filter(([n]) => /gc|scaveng|mark|sweep|compact/i.test(n)).sort((a, b) => b[1].max - a[1].max).slice(0, 8))
    log(`  ${(s.total / 1000).toFixed(0).padStart(7)} ms total  ${(s.max / 1000).toFixed(1).padStart(7)} ms max  ${String(s.n).padStart(6)}x  ${name}`);
}

interface RateResult {
  label: string;
  rate: number;
  docker: WindowResult;
  sse: WindowResult;
  page: WindowResult;
  /** `docker logs -f` and the page reading the same emitter at the same time, counted over the same window. */
  together: { docker: number; page: number };
}

/** Both consumers over one window: what the page received beside what the Docker CLI received meanwhile. */
async function measureTogether(dockerC: Consumer, pageC: Consumer & { refresh(): Promise<void> }): Promise<{ docker: number; page: number }> {
  await sleep(WARMUP_S * 1000);
  await pageC.refresh();
  const d0 = dockerC.count();
  const p0 = pageC.count();
  const t0 = performance.now();
  await sleep(WINDOW_S * 1000);
  await pageC.refresh();
  const d1 = dockerC.count();
  const p1 = pageC.count();
  const s = (performance.now() - t0) / 1000;
  return { docker: (d1 - d0) / s, page: (p1 - p0) / s };
}

async function measureRate(emitter: Emitter, server: Server, browsers: Browsers, label: string, rate: number): Promise<RateResult> {
  emitter.setRate(rate);
  log(`${label}: docker logs -f`);
  const dc = dockerLogsConsumer(emitter.id);
  const dockerW = await measureWindow(server, dc).finally(() => dc.stop());
  log(`${label}: ${dockerW.linesPerS.toFixed(0)} lines/s; Node SSE client`);
  const sc = sseConsumer(server);
  const sseW = await measureWindow(server, sc).finally(() => sc.stop());
  log(`${label}: ${sseW.linesPerS.toFixed(0)} lines/s; browser page`);
  const pc = await pageConsumer(browsers, server);
  const profiling = PROFILE_RATE === rate ? await startProfile(pc.tab) : null;
  const tracing = TRACE_RATE === rate && browsers.trace ? browsers.trace : null;
  await tracing?.start();
  const pageW = await measureWindow(server, pc, () => pc.refresh(), pc.tab).finally(async () => {
    if (profiling) await stopProfile(profiling, label).catch((err: Error) => log(`profile: ${err.message}`));
    if (tracing) summarizeTrace(await tracing.stop(), label);
    await pc.stop();
  });
  log(`${label}: ${pageW.linesPerS.toFixed(0)} lines/s, longest frame ${pageW.frameMaxMs?.toFixed(0)} ms`);
  log(`${label}: side by side, docker logs -f and the page at once`);
  const dc2 = dockerLogsConsumer(emitter.id);
  const pc2 = await pageConsumer(browsers, server).catch(async (err: Error) => {
    await dc2.stop();
    throw err;
  });
  const together = await measureTogether(dc2, pc2).finally(async () => {
    await pc2.stop();
    await dc2.stop();
  });
  log(`${label}: side by side ${together.docker.toFixed(0)} (docker) and ${together.page.toFixed(0)} (page) lines/s`);
  emitter.setRate(0);
  await sleep(1000); // the engine and the server settle before the next rate
  return { label, rate, docker: dockerW, sse: sseW, page: pageW, together };
}

interface HeapResult {
  lines: number;
  seconds: number;
  heapBytes: number;
  retained: number;
  rssMax: number;
  rssAfter: number;
}

/** A fresh page fed flat out until it has received HEAP_LINES lines; then GC and the JS heap. */
async function measureHeap(emitter: Emitter, server: Server, browsers: Browsers): Promise<HeapResult> {
  const pc = await pageConsumer(browsers, server);
  let rssMax = server.rss();
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, server.rss())), 500);
  try {
    emitter.setRate(-1);
    const t0 = performance.now();
    const timeoutMs = 300_000;
    let lastLog = 0;
    await waitFor(
      `the page to receive ${HEAP_LINES} lines`,
      async () => {
        await pc.refresh();
        if (performance.now() - lastLog > 10_000) {
          lastLog = performance.now();
          log(`heap: ${pc.count()} lines received`);
        }
        return pc.count() >= HEAP_LINES ? true : null;
      },
      { timeoutMs, intervalMs: 250 },
    );
    const seconds = (performance.now() - t0) / 1000;
    emitter.setRate(0);
    await sleep(2000); // what is in flight arrives
    const { received, retained } = await pageCounters(pc.tab);
    await pc.tab.cdp("HeapProfiler.enable");
    await pc.tab.cdp("HeapProfiler.collectGarbage");
    await pc.tab.cdp("Performance.enable");
    const { metrics } = await pc.tab.cdp<{ metrics: Array<{ name: string; value: number }> }>("Performance.getMetrics");
    const heapBytes = metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? NaN;
    return { lines: received, seconds, heapBytes, retained, rssMax: Math.max(rssMax, server.rss()), rssAfter: server.rss() };
  } finally {
    clearInterval(sampler);
    emitter.setRate(0);
    await pc.stop();
  }
}

// ------------------------------------------------------------------- report ----

const fmtRate = (v: number) => Math.round(v).toLocaleString("en-US").padStart(10);
const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");

function report(rates: RateResult[], heap: HeapResult | null, idle: WindowResult | null, baseRss: number, loadStart: string): void {
  const line = "-".repeat(105);
  const out: string[] = [""];
  out.push(`Log viewer: one emitter container (${WORKER}), ${WARMUP_S} s warm-up + ${WINDOW_S} s measured per window, windows one after the other`);
  out.push("raw = docker logs -f -t --tail 0 (Docker CLI, lines counted); SSE = Node client of GET /api/logs (server alone); page = /logs in chromium (server + browser)");
  out.push(`machine: ${os.cpus().length} cores; load average at start ${loadStart}, at end ${loadAvg()}; server RSS idle ${fmtMiB(baseRss)}`);
  out.push(line);
  out.push(`${"emitter".padEnd(10)}${"raw l/s".padStart(10)}${"SSE l/s".padStart(10)}${"page l/s".padStart(10)}${"page/raw".padStart(9)}${"SSE/raw".padStart(9)}${"RSS max".padStart(10)}${"frame max".padStart(11)}${"fps".padStart(5)}${">100ms".padStart(8)}${"longtask".padStart(10)}${"| together: raw".padStart(17)}${"page".padStart(9)}${"ratio".padStart(7)}`);
  out.push(line);
  for (const r of rates) {
    const ratio = r.page.linesPerS / r.docker.linesPerS;
    out.push(
      `${r.label.padEnd(10)}${fmtRate(r.docker.linesPerS)}${fmtRate(r.sse.linesPerS)}${fmtRate(r.page.linesPerS)}${ratio.toFixed(2).padStart(9)}${(r.sse.linesPerS / r.docker.linesPerS).toFixed(2).padStart(9)}` +
        `${fmtMiB(Math.max(r.sse.rssMax, r.page.rssMax)).padStart(10)}${`${r.page.frameMaxMs?.toFixed(0)} ms`.padStart(11)}${((r.page.frames ?? 0) / WINDOW_S).toFixed(0).padStart(5)}${String(r.page.framesOver100).padStart(8)}${`${Number.isFinite(r.page.longTaskMaxMs) ? r.page.longTaskMaxMs!.toFixed(0) : "-"} ms`.padStart(10)}` +
        `${fmtRate(r.together.docker).padStart(17)}${fmtRate(r.together.page).trim().padStart(9)}${(r.together.page / r.together.docker).toFixed(2).padStart(7)}`,
    );
  }
  out.push(line);
  const flat = rates.find((r) => r.rate < 0);
  if (flat) {
    out.push(`flat out: page ${fmtRate(flat.page.linesPerS).trim()} lines/s   target >= ${TARGET_LINES_PER_S.toLocaleString("en-US")} lines/s   ${verdict(flat.page.linesPerS >= TARGET_LINES_PER_S)}`);
    const ratio = flat.page.linesPerS / flat.docker.linesPerS;
    out.push(`flat out: page / raw ${ratio.toFixed(2)}x   target >= ${TARGET_RATIO}x   ${verdict(ratio >= TARGET_RATIO)}`);
    const t = flat.together;
    out.push(`flat out, side by side (docker logs -f and the page at once): page ${fmtRate(t.page).trim()} lines/s beside ${fmtRate(t.docker).trim()}, ${(t.page / t.docker).toFixed(2)}x   target >= ${TARGET_RATIO}x   ${verdict(t.page / t.docker >= TARGET_RATIO)}`);
    const sseRatio = flat.sse.linesPerS / flat.docker.linesPerS;
    out.push(`flat out: SSE / raw ${sseRatio.toFixed(2)}x (server alone, no browser)   ${verdict(sseRatio >= TARGET_RATIO)}`);
  }
  const fixed = rates.filter((r) => r.rate > 0);
  for (const r of fixed) {
    const ratio = r.page.linesPerS / r.docker.linesPerS;
    const together = r.together.page / r.together.docker;
    out.push(`${r.label}: page / raw ${ratio.toFixed(2)}x, side by side ${together.toFixed(2)}x   target >= ${TARGET_RATIO}x   ${verdict(ratio >= TARGET_RATIO && together >= TARGET_RATIO)}`);
  }
  if (idle) out.push(`context: the same page idle (emitter silent): longest frame ${idle.frameMaxMs?.toFixed(0)} ms, ${idle.frames} frames in ${WINDOW_S} s, ${idle.framesOver100} over 100 ms`);
  const at10k = rates.find((r) => r.rate === FRAME_RATE);
  if (at10k) {
    const f = at10k.page.frameMaxMs ?? NaN;
    out.push(`longest frame at 10k lines/s: ${f.toFixed(0)} ms over ${at10k.page.frames} frames   target <= ${TARGET_FRAME_MS} ms   ${verdict(f <= TARGET_FRAME_MS)}`);
  }
  if (heap) {
    out.push(
      `JS heap after ${heap.lines.toLocaleString("en-US")} lines (forced GC): ${fmtMiB(heap.heapBytes)}   target <= ${fmtMiB(TARGET_HEAP_BYTES)}   ${verdict(heap.heapBytes <= TARGET_HEAP_BYTES)}` +
        `   (${heap.retained.toLocaleString("en-US")} records kept; ${(heap.lines / heap.seconds).toFixed(0)} lines/s on average over ${heap.seconds.toFixed(0)} s)`,
    );
    out.push(`server RSS while streaming those: max ${fmtMiB(heap.rssMax)}, after ${fmtMiB(heap.rssAfter)}`);
  }
  out.push(line);
  process.stdout.write(out.join("\n") + "\n");
}

// --------------------------------------------------------------------- main ----

runMain(async () => {
  const loadStart = loadAvg();
  const emitter = await createEmitter();
  const adminPassword = randomHex(18);
  const server = await startServer("logs", { SYNAPSE_CONFIG_DIR: emitter.configDir }, SERVER_PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${SERVER_PROFILE_DIR}`] : [], "viewer", { adminPassword });
  await waitFor(
    `discovery to see ${WORKER}`,
    async () => {
      const res = await fetch(`${server.url}/api/logs?workers=${WORKER}&tail=0`, { headers: { authorization: `Bearer ${server.token}` }, signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      return res.ok ? true : null;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  const baseRss = server.rss();

  const browsers = await openBrowser(server, adminPassword);

  const results: RateResult[] = [];
  let heap: HeapResult | null = null;
  let idle: WindowResult | null = null;
  try {
    log("idle: the logs page with the emitter silent (the frame baseline of this browser)");
    const pc = await pageConsumer(browsers, server);
    idle = await measureWindow(server, pc, () => pc.refresh(), pc.tab).finally(() => pc.stop());
    for (const { label, rate } of RATES) results.push(await measureRate(emitter, server, browsers, label, rate));
    log(`heap: a fresh page fed flat out until ${HEAP_LINES} lines`);
    heap = await measureHeap(emitter, server, browsers);
  } finally {
    emitter.setRate(0);
    if (results.length > 0) report(results, heap, idle, baseRss, loadStart);
  }
});
