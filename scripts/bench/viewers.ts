/**
 * Benchmark: one dashboard under many live clients while operations run. For `--minutes N`
 * (default 10; or BENCH_VIEWERS_MINUTES, as run.sh passes no flags):
 *   - BENCH_VIEWERS (50) plain fetch clients hold GET /api/events open, as the topology page does,
 *     plus BENCH_VIEWERS_PAGES (3) real topology pages in chromium, signed in as the admin;
 *   - BENCH_VIEWERS_LOGS (10) log streams follow: two of GET /api/logs?workers=all, the rest
 *     GET /api/workers/<w>/logs, spread over the lab's processes;
 *   - an operator adds and then removes a generic worker through the API, again and again;
 *   - a probe loop times GET /api/topology and GET /api/health (also before the load, for scale);
 *   - the server's RSS (VmRSS of the server process and its children) every 10 s.
 * Viewers use VIEWERS_PER_TOKEN per viewer token, under the per-token stream slots
 * (lib/api/stream-slots.ts), so the slots are not what is measured.
 *
 * "Lost", precisely: a reference client (its own token) holds /api/events open from before the
 * first viewer to after the last. Its window is every event it received between "all clients
 * connected" and "operations over + DRAIN_MS", as exact text (stats samples included). A viewer
 * lost an event when one of the window's is absent from everything it received; it is in order
 * when the window appears in its stream as one contiguous run. The reference itself is checked
 * against the engine: every container event (not exec_*, not health_status, which the hub drops)
 * the bench read from the engine's own /events in the window must be in the reference. A page
 * lost an operation when the added worker's card did not appear once per add and go once per
 * remove. A log line is lost when one stream covering its worker got it and another did not.
 *
 * Run through scripts/bench/run.sh (lab up, build present), holding /tmp/lab.lock: it changes the
 * lab (a worker comes and goes) and leaves it as found, which it checks (config files, containers).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { FleetApi, configFiles } from "../../e2e/fleet-api";
import type { BrowserContext, Page } from "playwright-core";
import { cardHistory, cardNames, createNamedTokens, dataDirOf, lostAgainst, memoryTrend, openSignedInChromium, openSse, startLabDashboard, trackCard, waitLive, wallNow, watchEngineEvents, type EngineEvent, type SseStream } from "./dashboard-load";
import { envInt, fmtMs, log, onCleanup, randomHex, runMain, sleep, stats, waitFor, withTimeout } from "./lib";

const MINUTES = minutesOption();
const VIEWERS = envInt("BENCH_VIEWERS", 50, 1, 200);
const PAGES = envInt("BENCH_VIEWERS_PAGES", 3, 0, 8);
const LOG_STREAMS = envInt("BENCH_VIEWERS_LOGS", 10, 0, 40);
const VIEWERS_PER_TOKEN = 5; // the events pool allows 8 per token
const WORKER = "bench_viewers1";
const RSS_EVERY_MS = 10_000;
const DRAIN_MS = 5_000;
const PAUSE_MS = envInt("BENCH_VIEWERS_PAUSE_MS", 3000, 0, 60_000); // after each operation: steady state between them
const FLAT_GROWTH = 0.05; // "flat": the last minute's mean RSS within 5 % of the first minute's

function minutesOption(): number {
  const i = process.argv.indexOf("--minutes");
  const raw = i >= 0 ? process.argv[i + 1] : process.env.BENCH_VIEWERS_MINUTES;
  if (raw === undefined || raw === "") return 10;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1 || v > 120) throw new Error("--minutes must be an integer in [1, 120]");
  return v;
}

interface Client {
  label: string;
  received: string[];
  at: number[];
  stream: SseStream;
}

/** An /api/events client keeping every event as exact text (`event data`) with its arrival time. */
function eventsClient(url: string, token: string, label: string): Client {
  const c: Client = { label, received: [], at: [], stream: null as unknown as SseStream };
  c.stream = openSse(`${url}/api/events`, token, (e) => {
    c.received.push(`${e.event} ${e.data}`);
    c.at.push(e.at);
  });
  return c;
}

interface LogClient {
  covers: (worker: string) => boolean;
  lines: Map<string, number>; // `worker ts text` → Date.parse(ts)
  stream: SseStream;
  batches: number;
}

function logClient(url: string, token: string, worker: string | "all"): LogClient {
  const path = worker === "all" ? "/api/logs?workers=all&follow=1&tail=0" : `/api/workers/${encodeURIComponent(worker)}/logs?follow=1&tail=0`;
  const c: LogClient = { covers: (w) => worker === "all" || w === worker, lines: new Map(), stream: null as unknown as SseStream, batches: 0 };
  c.stream = openSse(url + path, token, (e) => {
    if (e.event !== "lines") return;
    c.batches++;
    for (const l of (JSON.parse(e.data) as { lines: Array<{ ts: string; worker: string; text: string }> }).lines) {
      if (c.lines.size < 500_000) c.lines.set(`${l.worker} ${l.ts} ${l.text}`, Date.parse(l.ts));
    }
  });
  return c;
}

interface Probes {
  /** Per route: each request's time and whether an operation was in flight when it began. */
  topology: Array<{ ms: number; during: boolean }>;
  health: Array<{ ms: number; during: boolean }>;
  errors: string[];
  errorCount: number;
}

/** Probes the API back to back (one request in flight, 250 ms between rounds) until `until`. */
async function probeLoop(api: FleetApi, until: () => boolean, during: () => boolean): Promise<Probes> {
  const r: Probes = { topology: [], health: [], errors: [], errorCount: 0 };
  while (!until()) {
    for (const [path, into] of [["/api/topology", r.topology], ["/api/health", r.health]] as const) {
      const busy = during();
      const t0 = wallNow();
      const res = await api.call("GET", path).catch((err: Error) => ({ status: 0, json: err.message }));
      if (res.status === 200) into.push({ ms: wallNow() - t0, during: busy });
      else if (r.errorCount++ < 20) r.errors.push(`GET ${path}: HTTP ${res.status} ${JSON.stringify(res.json).slice(0, 300)}`);
    }
    await sleep(250);
  }
  return r;
}

/** A topology page, live, recording the bench worker's card as it comes and goes. */
async function topologyPage(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${url}/`, { waitUntil: "load", timeout: 60_000 });
  await page.locator("article[aria-label]").first().waitFor({ timeout: 60_000 });
  await trackCard(page, WORKER);
  await waitLive(page);
  return page;
}

interface PageResult {
  appeared: number;
  vanished: number;
  matchesApi: boolean;
  live: string;
}

/** What a page saw of the bench worker, and whether its cards end equal to the API's processes. */
async function pageResult(page: Page, api: FleetApi, since: number): Promise<PageResult> {
  const h = (await cardHistory(page, WORKER)).filter((r) => r.t >= since);
  const appeared = h.filter((r, i) => r.state !== null && (i === 0 || h[i - 1].state === null)).length;
  const vanished = h.filter((r) => r.state === null).length;
  const want = (await api.topology()).processes.map((p) => p.name).sort().join(",");
  const matchesApi = await waitFor("the page's cards to equal /api/topology", async () => ((await cardNames(page)).sort().join(",") === want ? true : null), { timeoutMs: 15_000, intervalMs: 500 }).catch(() => false);
  const live = (await page.locator('[data-testid="live-status"]').textContent()) ?? "";
  return { appeared, vanished, matchesApi, live };
}

async function workerPresent(api: FleetApi): Promise<boolean> {
  return (await api.topology()).processes.some((p) => p.name === WORKER);
}

async function main() {
  const docker = new Docker();
  const configBefore = configFiles();
  const containersBefore = (await docker.listContainers({ all: true })).map((c) => `${c.Names[0]} ${c.State}`).sort();
  const engine: EngineEvent[] = [];
  const watcher = await watchEngineEvents(docker, {}, (e) => engine.push(e));

  const password = randomHex(18);
  const server = await startLabDashboard("viewers", "operator", password);
  const operator = new FleetApi(server.url, server.token);
  const topo = await operator.topology();
  if (topo.processes.some((p) => p.name === WORKER)) throw new Error(`${WORKER} already exists: remove it first`);
  const labWorkers = topo.processes.map((p) => p.name);
  // Runs before the server stops (cleanups are last-in first-out): no bench worker is left behind.
  onCleanup(`remove ${WORKER} if left`, async () => {
    for (let i = 0; i < 20 && (await workerPresent(operator)); i++) {
      const r = await operator.call<{ operationId?: string }>("DELETE", `/api/workers/${WORKER}`);
      if (r.status === 202 && r.json.operationId) await operator.waitFor(r.json.operationId);
      else await sleep(3000); // 409: an operation is still running
    }
  });

  log("idle probes (before any client)");
  let idleRounds = 0;
  const idle = await probeLoop(operator, () => idleRounds++ >= 20, () => false);

  const tokenCount = Math.max(Math.ceil(VIEWERS / VIEWERS_PER_TOKEN), LOG_STREAMS > 0 ? 1 : 0);
  log(`creating ${tokenCount} viewer tokens`);
  const tokens = await createNamedTokens(dataDirOf(server), "viewer", Array.from({ length: tokenCount }, (_, i) => `bench-viewer-${i + 1}`));

  const reference = eventsClient(server.url, server.token, "reference");
  await withTimeout(reference.stream.opened, 30_000, "the reference stream");
  const viewers = Array.from({ length: VIEWERS }, (_, i) => eventsClient(server.url, tokens[Math.floor(i / VIEWERS_PER_TOKEN)], `viewer ${i + 1}`));
  const logs = Array.from({ length: LOG_STREAMS }, (_, i) => logClient(server.url, tokens[i % tokens.length], i < 2 ? "all" : labWorkers[(i - 2) % labWorkers.length]));
  await withTimeout(Promise.all([...viewers, ...logs].map((c) => c.stream.opened)), 60_000, "every client stream to open");
  const pages: Page[] = [];
  if (PAGES > 0) {
    const { context } = await openSignedInChromium(server, password);
    for (let i = 0; i < PAGES; i++) pages.push(await topologyPage(context, server.url));
  }
  let inFlight = false;
  const ops: Array<{ kind: "add" | "remove"; status: string; ms: number }> = [];
  const cycle = async () => {
    for (const kind of ["add", "remove"] as const) {
      const t0 = wallNow();
      inFlight = true;
      const op = await (kind === "add" ? operator.run("POST", "/api/workers", { type: "generic", name: WORKER }) : operator.run("DELETE", `/api/workers/${WORKER}`)).finally(() => (inFlight = false));
      ops.push({ kind, status: op.status, ms: wallNow() - t0 });
      log(`${kind} ${WORKER}: ${op.status} in ${((wallNow() - t0) / 1000).toFixed(1)} s`);
      if (op.status !== "succeeded") throw new Error(`${kind} ended ${op.status}: ${JSON.stringify(op).slice(0, 500)}`);
      await sleep(PAUSE_MS);
    }
  };
  // One untimed cycle first: the server's first operation loads code, which is not growth.
  log("warm-up: one add/remove cycle");
  await cycle();
  ops.length = 0;
  await sleep(1000);
  const start = wallNow();
  const deadline = start + MINUTES * 60_000;
  log(`${VIEWERS} viewers, ${PAGES} pages, ${LOG_STREAMS} log streams open; operations for ${MINUTES} min`);

  const rss: Array<{ t: number; bytes: number }> = [{ t: wallNow(), bytes: server.rss() }];
  const sampler = setInterval(() => rss.push({ t: wallNow(), bytes: server.rss() }), RSS_EVERY_MS);
  let opsOver = false;
  const probing = probeLoop(operator, () => opsOver, () => inFlight);
  try {
    while (wallNow() < deadline) await cycle();
  } finally {
    opsOver = true;
  }
  const probes = await probing;
  await sleep(DRAIN_MS);
  const end = wallNow();
  clearInterval(sampler);
  rss.push({ t: end, bytes: server.rss() });
  await sleep(2000); // a lagging viewer still gets what was sent before `end`
  watcher.stop();

  const pageResults = await Promise.all(pages.map((p) => pageResult(p, operator, start)));
  const failures = [reference, ...viewers].map((c) => c.stream.failure() && `${c.label}: ${c.stream.failure()}`).filter(Boolean) as string[];
  failures.push(...logs.map((c, i) => c.stream.failure() && `log stream ${i + 1}: ${c.stream.failure()}`).filter(Boolean) as string[]);
  await Promise.all([reference, ...viewers, ...logs].map((c) => c.stream.close()));
  if (probes.errorCount > 0) {
    // The server's own account of the failed requests, before the cleanups remove its data dir.
    const serverLog = fs.readFileSync(path.join(dataDirOf(server), "server.log"), "utf8").split("\n");
    log(`server log, error lines:\n${serverLog.filter((l) => /error/i.test(l)).slice(-10).join("\n")}`);
  }

  report({ start, end, reference, viewers, logs, engine, ops, idle, probes, rss, pageResults, failures, configSame: sameConfig(configBefore, configFiles()), containersSame: await sameContainers(docker, containersBefore) });
}

function sameConfig(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((f) => before[f] !== after[f]);
}

async function sameContainers(docker: Docker, before: string[]): Promise<string[]> {
  const after = (await docker.listContainers({ all: true })).map((c) => `${c.Names[0]} ${c.State}`).sort();
  return [...before.filter((c) => !after.includes(c)).map((c) => `gone: ${c}`), ...after.filter((c) => !before.includes(c)).map((c) => `new: ${c}`)];
}

interface Outcome {
  start: number;
  end: number;
  reference: Client;
  viewers: Client[];
  logs: LogClient[];
  engine: EngineEvent[];
  ops: Array<{ kind: "add" | "remove"; status: string; ms: number }>;
  idle: Probes;
  probes: Probes;
  rss: Array<{ t: number; bytes: number }>;
  pageResults: PageResult[];
  failures: string[];
  configSame: string[];
  containersSame: string[];
}

function report(o: Outcome): void {
  const line = "-".repeat(100);
  const out = ["", `${o.viewers.length} live viewers + ${o.pageResults.length} chromium pages + ${o.logs.length} log streams, add/remove ${WORKER} in a loop, ${MINUTES} min`];
  out.push(`machine: ${os.cpus().length} cores; load average at end ${os.loadavg().map((v) => v.toFixed(2)).join(" ")}`, line);

  const adds = o.ops.filter((x) => x.kind === "add");
  const removes = o.ops.filter((x) => x.kind === "remove");
  const opStats = (xs: typeof o.ops) => (xs.length ? `p50 ${(stats(xs.map((x) => x.ms)).p50 / 1000).toFixed(1)} s` : "none");
  out.push(`operations: ${adds.length} adds (${opStats(adds)}), ${removes.length} removes (${opStats(removes)}), ${o.ops.filter((x) => x.status !== "succeeded").length} not succeeded`);

  const inWindow = (t: number) => t >= o.start && t <= o.end;
  const window = o.reference.received.filter((_, i) => inWindow(o.reference.at[i]));
  const kinds = (xs: string[]) => ["container", "health", "stats", "engine"].map((k) => `${xs.filter((x) => x.startsWith(`${k} `)).length} ${k}`).join(", ");
  out.push(`reference window: ${window.length} events (${kinds(window)})`);
  const refKeys = new Set(o.reference.received.filter((x) => x.startsWith("container ")).map((x) => {
    const d = JSON.parse(x.slice(10)) as { containerId: string; action: string; time: number };
    return `${d.containerId} ${d.action} ${d.time}`;
  }));
  const truth = o.engine.filter((e) => inWindow(e.at) && e.at <= o.end - DRAIN_MS && !e.action.startsWith("exec_") && !e.action.startsWith("health_status"));
  const notInRef = truth.filter((e) => !refKeys.has(`${e.id} ${e.action} ${e.timeMs}`));
  out.push(`engine → reference: ${truth.length} container events from the engine's own stream, ${notInRef.length} missing from /api/events   ${notInRef.length === 0 ? "PASS" : "MISS"}`);
  for (const e of notInRef.slice(0, 5)) out.push(`  missing: ${e.attributes.name ?? e.id.slice(0, 12)} ${e.action}`);

  const per = o.viewers.map((v) => lostAgainst(window, v.received));
  const lost = per.reduce((a, p) => a + p.lost, 0);
  const outOfOrder = per.filter((p) => !p.inOrder).length;
  out.push(`viewers: ${lost} events lost in total (worst viewer ${Math.max(0, ...per.map((p) => p.lost))}), ${outOfOrder} of ${per.length} not the reference's sequence   ${lost === 0 && outOfOrder === 0 ? "PASS" : "MISS"}`);

  const okPages = o.pageResults.filter((p) => p.appeared === adds.length && p.vanished === removes.length && p.matchesApi);
  out.push(`pages: ${okPages.length} of ${o.pageResults.length} showed ${WORKER}'s card appear ${adds.length}× and go ${removes.length}× and end equal to /api/topology   ${okPages.length === o.pageResults.length ? "PASS" : "MISS"}`);
  for (const p of o.pageResults) if (!okPages.includes(p)) out.push(`  page: appeared ${p.appeared}×, vanished ${p.vanished}×, matches the API: ${p.matchesApi}, live: ${p.live}`);

  let lostLines = 0;
  let windowLines = 0;
  const workers = new Set([...o.logs.flatMap((l) => [...l.lines.keys()].map((k) => k.slice(0, k.indexOf(" "))))]);
  for (const w of workers) {
    const covering = o.logs.filter((l) => l.covers(w));
    const union = new Set(covering.flatMap((l) => [...l.lines].filter(([k, t]) => k.startsWith(`${w} `) && inWindow(t) && t <= o.end - DRAIN_MS).map(([k]) => k)));
    windowLines += union.size;
    for (const l of covering) for (const k of union) if (!l.lines.has(k)) lostLines++;
  }
  out.push(`log streams: ${o.logs.length} open to the end, ${o.logs.reduce((a, l) => a + l.lines.size, 0)} lines received, ${windowLines} distinct lines in the window, ${lostLines} lost   ${lostLines === 0 ? "PASS" : "MISS"}`);
  out.push(line);

  const probeRow = (label: string, idle: Probes["topology"], load: Probes["topology"]) => {
    const fmt = (xs: number[]) => (xs.length === 0 ? "no samples" : `n=${String(xs.length).padStart(4)} p50 ${fmtMs(stats(xs).p50)} p95 ${fmtMs(stats(xs).p95)} max ${fmtMs(stats(xs).max)}`);
    const all = load.map((x) => x.ms);
    const ratio = idle.length && all.length ? ` | p95 ${(stats(all).p95 / stats(idle.map((x) => x.ms)).p95).toFixed(1)}× idle` : "";
    return [
      `${label.padEnd(20)}idle (no clients)  ${fmt(idle.map((x) => x.ms))} ms`,
      `${"".padEnd(20)}under load, all   ${fmt(all)} ms${ratio}`,
      `${"".padEnd(20)}  while an op runs ${fmt(load.filter((x) => x.during).map((x) => x.ms))} ms`,
      `${"".padEnd(20)}  between ops     ${fmt(load.filter((x) => !x.during).map((x) => x.ms))} ms`,
    ];
  };
  out.push(...probeRow("GET /api/topology", o.idle.topology, o.probes.topology));
  out.push(...probeRow("GET /api/health", o.idle.health, o.probes.health));
  if (o.probes.errorCount > 0) out.push(`probe errors: ${o.probes.errorCount} (not in the figures), e.g. ${o.probes.errors.slice(0, 3).join("; ")}`);

  const m = memoryTrend(o.rss);
  const growth = (m.lastMiB - m.firstMiB) / m.firstMiB;
  out.push(`server RSS every ${RSS_EVERY_MS / 1000} s: ${o.rss.map((s) => (s.bytes / 1024 / 1024).toFixed(0)).join(" ")} MiB`);
  out.push(`memory: first minute ${m.firstMiB.toFixed(0)} MiB, last minute ${m.lastMiB.toFixed(0)} MiB (${(growth * 100).toFixed(1)} %), slope ${m.slopeMiBPerMin.toFixed(2)} MiB/min   flat (within ${FLAT_GROWTH * 100} %): ${growth <= FLAT_GROWTH ? "PASS" : "MISS"}`);
  out.push(line);
  out.push(`stream failures: ${o.failures.length === 0 ? "none" : o.failures.slice(0, 5).join("; ")}`);
  out.push(`lab as found: config files ${o.configSame.length === 0 ? "byte-identical" : `differ: ${o.configSame.join(", ")}`}; containers ${o.containersSame.length === 0 ? "the same" : o.containersSame.join(", ")}`);
  process.stdout.write(out.join("\n") + "\n");
}

runMain(main);
