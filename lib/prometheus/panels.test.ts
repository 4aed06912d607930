import { describe, expect, it } from "vitest";
import { metricUnits } from "@/lib/contract/metrics";
import { panelById, panels, promString, regexLiteral } from "./panels";

const ctx = { window: 20, serverName: "fleet.test", workers: [] as string[] };
const ids = ["requests", "errors", "latency", "cpu", "memory", "reactor", "events", "federation", "federation-queues", "db-pool", "db-wait", "caches", "background"];

/** Every selector `metric{…}` of a query, as [metric, matchers]. */
function selectors(q: string): Array<[string, string]> {
  return [...q.matchAll(/([a-z_]+)\{([^}]*)\}/g)].map((m) => [m[1], m[2]]);
}

describe("panels", () => {
  it("has the eleven panels of the issue, each with a unit of the schema, a title and a description", () => {
    expect(panels.map((p) => p.id)).toEqual(ids);
    for (const p of panels) {
      expect(metricUnits).toContain(p.unit);
      expect(p.title.length).toBeGreaterThan(0);
      expect(p.description.length).toBeGreaterThan(20);
      expect(panelById(p.id)).toBe(p);
    }
    expect(panelById("nope")).toBeUndefined();
  });

  it("keeps one series per process: every aggregation is by worker, job and index", () => {
    for (const p of panels) {
      const q = p.build(ctx);
      const bys = [...q.matchAll(/\b(?:sum|topk) by \(([^)]*)\)/g)].map((m) => m[1]);
      expect(bys.length, p.id).toBeGreaterThan(0);
      for (const by of bys) expect(by.startsWith("worker, job, index"), `${p.id}: ${by}`).toBe(true);
    }
  });

  it("filters every synapse_* selector by server_name and restricts process metrics to targets with a worker", () => {
    for (const p of panels) {
      for (const [metric, matchers] of selectors(p.build(ctx))) {
        if (metric.startsWith("synapse_")) expect(matchers, `${p.id} ${metric}`).toContain('server_name="fleet.test"');
        else {
          expect(metric, p.id).toMatch(/^(process_|python_twisted_)/);
          expect(matchers).toContain('worker!=""');
          expect(matchers).not.toContain("server_name");
        }
      }
    }
  });

  it("uses the rate window it is given and the metric names checked in Synapse's source", () => {
    expect(panelById("requests")!.build(ctx)).toBe(
      'sum by (worker, job, index) (rate(synapse_http_server_requests_received_total{server_name="fleet.test"}[20s]))',
    );
    expect(panelById("cpu")!.build(ctx)).toContain('rate(process_cpu_seconds_total{worker!=""}[20s])');
    expect(panelById("memory")!.build(ctx)).toContain("process_resident_memory_bytes{");
    expect(panelById("reactor")!.build(ctx)).toMatch(/^histogram_quantile\(0\.99, sum by \(worker, job, index, le\) \(rate\(python_twisted_reactor_tick_time_bucket/);
    // Cache metrics are gauges: no _total.
    expect(panelById("caches")!.build(ctx)).toMatch(/synapse_util_caches_cache_hits\{.*synapse_util_caches_cache\{/);
    expect(panelById("events")!.build(ctx)).toContain("synapse_storage_events_persisted_events_total{");
  });

  it("leaves the long-poll sync servlets out of latency", () => {
    const q = panelById("latency")!.build(ctx);
    expect(q).toContain('servlet!~"SyncRestServlet|SlidingSyncRestServlet"');
    expect(q).toMatch(/^histogram_quantile\(0\.95, sum by \(worker, job, index, le\)/);
  });

  it("keeps one unit per panel: rates, queue lengths, a ratio and seconds each have their own; queues and background split by a name label", () => {
    expect(panelById("federation")!.build(ctx)).toMatch(/^sum by \(worker, job, index\) \(rate\(synapse_federation_client_sent_transactions_total\{/);
    const queues = panelById("federation-queues")!.build(ctx);
    for (const n of ["pdus", "edus"]) expect(queues).toContain(`"name", "${n}", "", ""`);
    expect(queues).toContain("synapse_federation_transaction_queue_pending_pdus{");
    const pool = panelById("db-pool")!.build(ctx);
    expect(pool).toContain('synapse_threadpool_max_threads{server_name="fleet.test", name="database-master"}');
    expect(pool).not.toContain("schedule_time");
    expect(panelById("db-wait")!.build(ctx)).toMatch(/synapse_storage_schedule_time_sum.* \/ .*synapse_storage_schedule_time_count/);
    expect(panels.map((p) => p.unit)).toEqual(["requests_per_second", "ratio", "seconds", "cores", "bytes", "seconds", "events_per_second", "per_second", "count", "ratio", "seconds", "ratio", "cores"]);
    const bg = panelById("background")!.build({ ...ctx, span: 3600 });
    expect(bg).toContain("topk(10, sum by (worker, job, index, name)");
    expect(bg).toContain("[3600s] @ end()");
  });

  it("counts a process without 5xx as a zero error ratio, not as missing", () => {
    expect(panelById("errors")!.build(ctx)).toMatch(/ or sum by .* \* 0\) \/ sum by/);
  });

  it("filters by the chosen workers, regex- and string-escaped", () => {
    const q = panelById("requests")!.build({ ...ctx, workers: ["generic_worker1", "a.b|c", 'x"y\\z'] });
    expect(q).toContain(String.raw`worker=~"generic_worker1|a\\.b\\|c|x\"y\\\\z"`);
    const cpu = panelById("cpu")!.build({ ...ctx, workers: ["main"] });
    expect(cpu).toContain('process_cpu_seconds_total{worker=~"main"}');
    expect(cpu).not.toContain('worker!=""');
  });

  it("escapes the server_name and drops its filter when it is unknown", () => {
    expect(panelById("events")!.build({ ...ctx, serverName: 'ev"il\\' })).toContain(String.raw`server_name="ev\"il\\"`);
    expect(panelById("events")!.build({ ...ctx, serverName: null })).not.toContain("server_name");
  });

  it("escapes PromQL strings and RE2 metacharacters", () => {
    expect(promString('a"b\\c\nd')).toBe(String.raw`"a\"b\\c\nd"`);
    expect(regexLiteral("a.b*c(d)[e]{f}^$|?+\\")).toBe(String.raw`a\.b\*c\(d\)\[e\]\{f\}\^\$\|\?\+\\`);
    expect(new RegExp(`^${regexLiteral("a.b|c")}$`).test("a.b|c")).toBe(true);
    expect(new RegExp(`^${regexLiteral("a.b|c")}$`).test("axb")).toBe(false);
  });
});
