import { expect, test } from "@playwright/test";
import { FleetApi } from "./fleet-api";
import { docker, labContainer } from "./lab";
import type { MetricsIndex, PanelData } from "@/lib/contract/metrics";

// Issue #10 §6, §7: the metrics API as a viewer sees it, its refusals, and Prometheus stopped →
// 503 unreachable while the rest of the dashboard answers. Stops the lab's Prometheus, so it runs
// under the lab lock like every Playwright run; Prometheus is started again whatever happens.

const base = () => test.info().project.use.baseURL!;
let viewer: FleetApi;

test.beforeAll(() => {
  viewer = FleetApi.withRole(base(), "viewer");
});

type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

async function timed<T>(path: string): Promise<{ status: number; json: T; ms: number }> {
  const t0 = performance.now();
  const r = await viewer.call<T>("GET", path);
  return { ...r, ms: performance.now() - t0 };
}

test("a viewer gets the panel list, the ranges and where Prometheus is", async () => {
  const r = await viewer.call<MetricsIndex>("GET", "/api/metrics");
  expect(r.status).toBe(200);
  expect(r.json.panels.map((p) => p.id)).toEqual(["requests", "errors", "latency", "cpu", "memory", "reactor", "events", "federation", "federation-queues", "db-pool", "db-wait", "caches", "background"]);
  expect(r.json.ranges).toEqual(["15m", "1h", "6h", "24h", "7d"]);
  expect(r.json.prometheus.source).not.toBe("none");
  expect(r.json.prometheus.url).toMatch(/^http:\/\//);
});

test("a viewer gets one panel's series per process, 1h and 7d (timed)", async () => {
  await Promise.all(Array.from({ length: 20 }, () => fetch("http://localhost:8009/_matrix/client/versions").then((x) => x.arrayBuffer())));
  for (const range of ["1h", "7d"]) {
    // The first call of a range warms nothing on our side (no panel data is cached); five timed, median printed.
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await timed<PanelData>(`/api/metrics/requests?range=${range}`));
    const r = runs[runs.length - 1];
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ panel: "requests", unit: "requests_per_second" });
    expect(r.json.step).toBe(range === "1h" ? 5 : 605);
    const workers = r.json.series.map((s) => s.worker);
    expect(workers).toEqual([...workers].sort((a, b) => a.localeCompare(b, "en", { numeric: true })));
    // Over 7 d the grid's last point lies up to one step (10 min) back: a lab younger than that has
    // no rate there yet for every process, so the names are checked over the hour.
    if (range === "1h") expect(workers).toEqual(expect.arrayContaining(["generic_worker1", "main"]));
    const points = r.json.series.reduce((n, s) => n + s.points.length, 0);
    const ms = runs.map((x) => x.ms).sort((a, b) => a - b);
    console.log(`GET /api/metrics/requests?range=${range}: median ${ms[2].toFixed(1)} ms (min ${ms[0].toFixed(1)}, max ${ms[4].toFixed(1)}), ${r.json.series.length} series, ${points} points, step ${r.json.step} s`);
  }
  const chosen = await viewer.call<PanelData>("GET", "/api/metrics/cpu?range=15m&workers=generic_worker1,main&width=400");
  expect(chosen.status).toBe(200);
  expect(new Set(chosen.json.series.map((s) => s.worker))).toEqual(new Set(["generic_worker1", "main"]));
  expect(chosen.json.query).toContain('worker=~"generic_worker1|main"');
});

test("refuses unknown parameters, bad values, unknown panels and unknown workers", async () => {
  const cases: Array<[string, number, string]> = [
    ["/api/metrics/requests?step=5", 400, "bad_request"],
    ["/api/metrics/requests?range=2h", 400, "bad_request"],
    ["/api/metrics/requests?width=50", 400, "bad_request"],
    ["/api/metrics/requests?start=100&end=50", 400, "bad_request"],
    [`/api/metrics/requests?start=${Math.floor(Date.now() / 1000) - 8 * 86_400}&end=${Math.floor(Date.now() / 1000)}`, 400, "bad_request"],
    ["/api/metrics/nope", 404, "not_found"],
    ["/api/metrics/requests?workers=main,nobody_here", 404, "not_found"],
  ];
  for (const [path, status, code] of cases) {
    const r = await viewer.call<ErrorBody>("GET", path);
    expect(r.status, path).toBe(status);
    expect(r.json.error.code, path).toBe(code);
  }
  const unknownWorker = await viewer.call<ErrorBody>("GET", "/api/metrics/requests?workers=nobody_here");
  expect(unknownWorker.json.error.message).toContain("nobody_here");
});

test("with Prometheus stopped, metrics answer 503 unreachable and the topology still answers", async () => {
  test.setTimeout(120_000);
  const prometheus = labContainer("prometheus");
  docker("stop", prometheus);
  try {
    const r = await viewer.call<ErrorBody>("GET", "/api/metrics/requests?range=15m");
    expect(r.status).toBe(503);
    expect(r.json.error.code).toBe("unavailable");
    expect(r.json.error.details).toEqual({ reason: "unreachable" });
    expect((await viewer.call("GET", "/api/topology")).status).toBe(200);
    expect((await viewer.call("GET", "/api/metrics")).status).toBe(200);
  } finally {
    docker("start", prometheus);
  }
  // Leave the lab as found: Prometheus ready and the panel answering again.
  await expect
    .poll(async () => (await viewer.call("GET", "/api/metrics/requests?range=15m")).status, { timeout: 60_000, intervals: [500] })
    .toBe(200);
});
