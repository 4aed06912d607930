/**
 * Benchmark: the metrics API and screen over a week of data, and the diagnostics with Redis down.
 *
 * 1. A throwaway Prometheus (the lab image's binary, its own container and port) holds 7 days of
 *    `synapse_http_server_requests_received_total` for 20 workers every 30 s, backfilled with
 *    `promtool tsdb create-blocks-from openmetrics` (Debian's `prometheus` package: the lab image
 *    drops promtool and the lab keeps 2 days). promtool comes from `apt-get download prometheus`,
 *    unpacked under ~/.cache/synapse-fleet: nothing is installed and no service starts.
 * 2. API beside Prometheus: `GET /api/metrics/requests?range=7d` against a direct `query_range` of
 *    the same query, start, end and step (measurePair, alternating order). Target: ≤ 1.3×.
 * 3. Render in chromium: the Metrics screen's `metrics:data:requests` → `metrics:drawn:requests`
 *    marks (data in hand → second frame after it), target ≤ 200 ms, and the longest frame meanwhile.
 * 4. `/api/diagnostics` with the lab's Redis stopped (target ≤ 3 s), Redis started again after.
 * Knobs: BENCH_N (pairs, default 20), BENCH_WARMUP (default 3). Run: `npm run bench metrics`.
 */
import { chromium } from "@playwright/test";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { envInt, fmtMs, freePort, log, makeTempDir, measurePair, onCleanup, randomHex, recordRunId, runMain, startServer, stats, timeMs, waitFor } from "./lib";

const exec = promisify(execFile);
const N = envInt("BENCH_N", 20, 1, 500);
const WARMUP = envInt("BENCH_WARMUP", 3, 0, 50);
const WORKERS = 20;
const SAMPLE_SECONDS = 30;
const DAYS = 7;
const IMAGE = process.env.BENCH_IMAGE ?? "synapse-fleet-lab:latest";
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"];

/** promtool from Debian's prometheus package, unpacked once into the user's cache. */
async function promtool(): Promise<string> {
  const dir = path.join(os.homedir(), ".cache", "synapse-fleet", "prometheus-deb");
  const bin = path.join(dir, "root", "usr", "bin", "promtool");
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(dir, { recursive: true });
  log("fetching promtool (apt-get download prometheus)");
  await exec("apt-get", ["download", "prometheus"], { cwd: dir, timeout: 300_000 });
  const deb = fs.readdirSync(dir).find((f) => /^prometheus_.*\.deb$/.test(f));
  if (!deb) throw new Error(`apt-get download prometheus left no .deb in ${dir}`);
  await exec("dpkg-deb", ["-x", path.join(dir, deb), path.join(dir, "root")], { timeout: 120_000 });
  if (!fs.existsSync(bin)) throw new Error(`${deb} has no usr/bin/promtool`);
  return bin;
}

/** 7 days × 20 counters in OpenMetrics text, each series in time order (what promtool wants). */
async function writeOpenMetrics(file: string, serverName: string, now: number): Promise<number> {
  const out = fs.createWriteStream(file);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once("drain", () => r())));
  const start = now - DAYS * 86400;
  let samples = 0;
  await write("# TYPE synapse_http_server_requests_received counter\n");
  for (let i = 1; i <= WORKERS; i++) {
    const labels = `{job="generic_worker",index="${i}",worker="generic_worker${i}",server_name="${serverName}",method="GET",servlet="RoomSendEventRestServlet"}`;
    let value = 0;
    let buf = "";
    for (let t = start; t <= now; t += SAMPLE_SECONDS) {
      value += 5 + Math.round(4 * Math.sin(t / 3600 + i)); // a daily-ish wave, different per worker
      buf += `synapse_http_server_requests_received_total${labels} ${value} ${t}\n`;
      samples++;
      if (buf.length > 1 << 20) {
        await write(buf);
        buf = "";
      }
    }
    await write(buf);
  }
  await write("# EOF\n");
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return samples;
}

/** A Prometheus of its own over the backfilled blocks; it scrapes only itself (for a scrape interval). */
async function throwawayPrometheus(tsdb: string, configDir: string, runId: string): Promise<string> {
  fs.writeFileSync(
    path.join(configDir, "prometheus.yml"),
    `global:\n  scrape_interval: ${SAMPLE_SECONDS}s\nscrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['localhost:9090']\n`,
  );
  const port = await freePort();
  const name = `fleet-bench-prometheus-${runId}`;
  await exec("docker", [
    "run", "-d", "--name", name, "--label", `io.synapse-fleet.bench=${runId}`,
    "-p", `127.0.0.1:${port}:9090`,
    "-v", `${tsdb}:/prometheus`, "-v", `${configDir}:/etc/bench-prometheus:ro`,
    IMAGE, "prometheus", "--config.file=/etc/bench-prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus",
    "--storage.tsdb.retention.time=30d", "--web.listen-address=0.0.0.0:9090",
  ]);
  onCleanup(`container ${name}`, async () => void (await exec("docker", ["rm", "-f", name]).catch(() => undefined)));
  const url = `http://127.0.0.1:${port}`;
  await waitFor("throwaway Prometheus ready", async () => ((await fetch(`${url}/-/ready`)).ok ? true : null), { timeoutMs: 120_000, intervalMs: 500 });
  return url;
}

async function promForm(url: string, pathname: string, form: Record<string, string>): Promise<{ data: { result: unknown[] } }> {
  const res = await fetch(url + pathname, { method: "POST", body: new URLSearchParams(form), signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`Prometheus ${pathname}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  return (await res.json()) as { data: { result: unknown[] } };
}

interface PanelAnswer {
  query: string;
  start: number;
  end: number;
  step: number;
  window: number;
  series: Array<{ worker: string; points: unknown[] }>;
}

async function main() {
  const configDir = process.env.SYNAPSE_CONFIG_DIR;
  if (!configDir) throw new Error("SYNAPSE_CONFIG_DIR is not set: run through npm run bench");
  const serverName = /^server_name:\s*"?([^"\s]+)"?/m.exec(fs.readFileSync(path.join(configDir, "homeserver.yaml"), "utf8"))?.[1];
  if (!serverName) throw new Error("homeserver.yaml has no server_name");
  const runId = randomHex(4);
  recordRunId(runId);

  // 1. Backfill.
  const tool = await promtool();
  const work = makeTempDir("metrics");
  const now = Math.floor(Date.now() / 1000);
  const om = path.join(work, "week.om");
  const samples = await writeOpenMetrics(om, serverName, now);
  const tsdb = path.join(work, "tsdb");
  fs.mkdirSync(tsdb);
  const backfill = await timeMs(() => exec(tool, ["tsdb", "create-blocks-from", "openmetrics", om, tsdb], { maxBuffer: 64 * 1024 * 1024, timeout: 600_000 }));
  fs.rmSync(om);
  const promConfig = path.join(work, "config");
  fs.mkdirSync(promConfig);
  const promUrl = await throwawayPrometheus(tsdb, promConfig, runId);
  log(`backfilled ${samples.toLocaleString("en")} samples (${WORKERS} series × ${DAYS} d every ${SAMPLE_SECONDS} s) in ${(backfill / 1000).toFixed(1)} s`);
  // Its own scrape gives the API a scrape interval; wait for the first one.
  await waitFor("throwaway Prometheus scraped itself", async () => ((await promForm(promUrl, "/api/v1/query", { query: 'up{job="self"}' })).data.result.length > 0 ? true : null), { timeoutMs: 90_000, intervalMs: 1000 });

  // 2. API beside a direct query_range.
  const password = randomHex(18);
  const server = await startServer("metrics", { SYNAPSE_CONFIG_DIR: configDir, FLEET_PROMETHEUS_URL: promUrl }, [], "viewer", { adminPassword: password });
  const panelPath = "/api/metrics/requests?range=7d&width=1000";
  const answer = JSON.parse((await server.get(panelPath)).body) as PanelAnswer;
  const points = answer.series.reduce((n, s) => n + s.points.length, 0);
  if (answer.series.length !== WORKERS) throw new Error(`the API gave ${answer.series.length} series, not ${WORKERS}`);
  log(`API 7 d: ${answer.series.length} series, ${points} points, step ${answer.step} s, window ${answer.window} s`);
  const direct = { query: answer.query, start: String(answer.start), end: String(answer.end), step: String(answer.step) };
  const first = await promForm(promUrl, "/api/v1/query_range", direct);
  if (first.data.result.length !== WORKERS) throw new Error(`direct query_range gave ${first.data.result.length} series`);
  const pair = await measurePair(
    () => server.get(panelPath),
    () => promForm(promUrl, "/api/v1/query_range", direct),
    { warmup: WARMUP, n: N },
  );
  const a = stats(pair.a);
  const b = stats(pair.b);
  log(`GET ${panelPath}: p50 ${fmtMs(a.p50)} ms  p95 ${fmtMs(a.p95)} ms | direct query_range p50 ${fmtMs(b.p50)} ms  p95 ${fmtMs(b.p95)} ms | ratio p50 ${(a.p50 / b.p50).toFixed(2)}×  p95 ${(a.p95 / b.p95).toFixed(2)}× (target ≤ 1.3×, n=${N})`);

  // 3. Render in chromium.
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS });
  onCleanup("chromium", () => browser.close());
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await page.goto(`${server.url}/login`);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
  const renders: number[] = [];
  const frames: number[] = [];
  for (let i = 0; i < 5; i++) {
    await page.goto(`${server.url}/metrics?range=7d`);
    const r = await page.waitForFunction(
      () => {
        const data = performance.getEntriesByName("metrics:data:requests")[0];
        const drawn = performance.getEntriesByName("metrics:drawn:requests")[0];
        return data && drawn ? drawn.startTime - data.startTime : null;
      },
      undefined,
      { timeout: 60_000 },
    );
    renders.push((await r.jsonValue()) as number);
    // The longest task of the load, data and drawing included (buffered long-task entries, ≥ 50 ms).
    frames.push(
      await page.evaluate(
        () =>
          new Promise<number>((resolve) => {
            let longest = 0;
            new PerformanceObserver((list) => {
              for (const e of list.getEntries()) longest = Math.max(longest, e.duration);
            }).observe({ type: "longtask", buffered: true });
            setTimeout(() => resolve(longest), 100);
          }),
      ),
    );
  }
  // Once the chart code is loaded: a range switch (new data for the same panel) → drawn. Each range
  // once per page: data equal to what the page already holds keeps its identity and draws nothing.
  const switches: number[] = [];
  for (let i = 0; i < 3; i++) {
    await page.goto(`${server.url}/metrics?range=7d`);
    await page.waitForFunction(() => performance.getEntriesByName("metrics:drawn:requests").length > 0, undefined, { timeout: 60_000 });
    for (const to of ["24h", "6h"]) {
      await page.evaluate(() => {
        performance.clearMarks("metrics:data:requests");
        performance.clearMarks("metrics:drawn:requests");
      });
      await page.getByRole("radio", { name: to, exact: true }).click();
      const r = await page.waitForFunction(
        () => {
          const data = performance.getEntriesByName("metrics:data:requests")[0];
          const drawn = performance.getEntriesByName("metrics:drawn:requests")[0];
          return data && drawn && drawn.startTime > data.startTime ? drawn.startTime - data.startTime : null;
        },
        undefined,
        { timeout: 60_000 },
      );
      switches.push((await r.jsonValue()) as number);
    }
  }
  const sw = stats(switches);
  log(`range switch 7d → 24h → 6h × 20 series, chart code loaded (data → second frame), 6 switches: p50 ${fmtMs(sw.p50)} ms  max ${fmtMs(sw.max)} ms (target ≤ 200 ms)`);
  const rs = stats(renders);
  log(`first load, 7 d × ${WORKERS} series (data → second frame, loading the chart code included), 5 loads: p50 ${fmtMs(rs.p50)} ms  max ${fmtMs(rs.max)} ms (target ≤ 200 ms); longest task ${fmtMs(Math.max(...frames))} ms (0: none over 50 ms)`);
  await server.stop();

  // 4. Diagnostics with Redis stopped, against the lab's own Prometheus.
  const lab = await startServer("diagnostics", { SYNAPSE_CONFIG_DIR: configDir, FLEET_PROMETHEUS_URL: process.env.FLEET_PROMETHEUS_URL ?? "http://localhost:9090" });
  const redis = "fleetlab_redis_1";
  await exec("docker", ["stop", "-t", "5", redis]);
  onCleanup(`start ${redis}`, async () => void (await exec("docker", ["start", redis]).catch(() => undefined)));
  const times: number[] = [];
  let redisStatus = "";
  for (let i = 0; i < 5; i++) {
    times.push(
      await timeMs(async () => {
        const d = JSON.parse((await lab.get("/api/diagnostics", 30_000)).body) as { checks: Array<{ id: string; status: string }> };
        redisStatus = d.checks.find((c) => c.id === "redis")?.status ?? "absent";
      }),
    );
  }
  await exec("docker", ["start", redis]);
  const ds = stats(times);
  log(`GET /api/diagnostics with Redis stopped (redis check: ${redisStatus}), 5 runs: p50 ${fmtMs(ds.p50)} ms  max ${fmtMs(ds.max)} ms (target ≤ 3000 ms)`);
  // Leave the lab as found: every Synapse process back on Redis.
  await waitFor(
    "the redis check passing again",
    async () => ((JSON.parse((await lab.get("/api/diagnostics/redis", 30_000)).body) as { status: string }).status === "pass" ? true : null),
    { timeoutMs: 120_000, intervalMs: 2000 },
  );
}

runMain(main);
