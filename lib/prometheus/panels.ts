import type { MetricUnit } from "@/lib/contract/metrics";

/**
 * The metric panels as data: what each shows, its unit and its PromQL. Pure and browser-safe.
 * Every query keeps one series per process — `by (worker, job, index)`, the labels the scrape
 * targets carry, so the stock Grafana dashboard's job/index pickers work on the same series —
 * plus, where a panel splits further, a `name` label. synapse_* metrics are filtered by
 * server_name (every homeserver-scoped metric carries it since 1.136); process_* and
 * python_twisted_* have none, so they are restricted to targets labelled with a `worker`.
 */

export interface PanelContext {
  /** rate() window in seconds. */
  window: number;
  /** homeserver.yaml's server_name; null when it is unknown (then nothing filters on it). */
  serverName: string | null;
  /** Only these processes; empty for all. */
  workers: string[];
  /** The queried span in seconds, for panels that rank over the whole range; defaults to the window. */
  span?: number;
}

export interface Panel {
  id: string;
  title: string;
  unit: MetricUnit;
  description: string;
  build(ctx: PanelContext): string;
}

const BY = "worker, job, index";

/** A PromQL double-quoted string literal. */
export function promString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** A regex (RE2) that matches exactly this text. */
export function regexLiteral(value: string): string {
  return value.replace(/[\\.^$|?*+()[\]{}]/g, "\\$&");
}

/** Matchers for a synapse_* metric: this homeserver, the chosen workers, and the panel's own. */
function synapse(ctx: PanelContext, ...extra: string[]): string {
  const m: string[] = [];
  if (ctx.serverName !== null) m.push(`server_name=${promString(ctx.serverName)}`);
  return `{${[...m, ...workerMatchers(ctx), ...extra].join(", ")}}`;
}

/** Matchers for a process-level metric: only series of a target that names its worker. */
function processLevel(ctx: PanelContext, ...extra: string[]): string {
  const w = workerMatchers(ctx);
  return `{${[...(w.length ? w : ['worker!=""']), ...extra].join(", ")}}`;
}

function workerMatchers(ctx: PanelContext): string[] {
  if (ctx.workers.length === 0) return [];
  return [`worker=~${promString(ctx.workers.map(regexLiteral).join("|"))}`];
}

const rate = (selector: string, ctx: PanelContext) => `rate(${selector}[${ctx.window}s])`;
const sumBy = (expr: string, extra = "") => `sum by (${BY}${extra}) (${expr})`;
/** Gives every series of `expr` the label name="<value>", so split series of one panel tell themselves apart. */
const named = (expr: string, value: string) => `label_replace(${expr}, "name", ${promString(value)}, "", "")`;

export const panels: readonly Panel[] = [
  {
    id: "requests",
    title: "Client requests",
    unit: "requests_per_second",
    description: "HTTP requests each process receives per second. Shows whether Traefik sends client traffic to the workers or everything still lands on main.",
    build: (ctx) => sumBy(rate(`synapse_http_server_requests_received_total${synapse(ctx)}`, ctx)),
  },
  {
    id: "errors",
    title: "Server errors",
    unit: "ratio",
    description: "Share of responses with a 5xx status. Zero while responses are all fine; no point while the process answers nothing.",
    build: (ctx) => {
      const all = sumBy(rate(`synapse_http_server_responses_total${synapse(ctx)}`, ctx));
      const failed = sumBy(rate(`synapse_http_server_responses_total${synapse(ctx, 'code=~"5.."')}`, ctx));
      // Without `or … * 0` a process that never failed would have no series at all, not a zero.
      return `(${failed} or ${all} * 0) / ${all}`;
    },
  },
  {
    id: "latency",
    title: "Response time (p95)",
    unit: "seconds",
    description: "95th percentile of response time, /sync and sliding sync left out: they are long-polls that wait up to the client's timeout, and would hide everything else.",
    build: (ctx) =>
      `histogram_quantile(0.95, ${sumBy(
        rate(`synapse_http_server_response_time_seconds_bucket${synapse(ctx, 'servlet!~"SyncRestServlet|SlidingSyncRestServlet"')}`, ctx),
        ", le",
      )})`,
  },
  {
    id: "cpu",
    title: "CPU",
    unit: "cores",
    description: "CPU time per second, in cores. A Synapse process runs Python on one core: near 1 it is saturated and its requests queue.",
    build: (ctx) => sumBy(rate(`process_cpu_seconds_total${processLevel(ctx)}`, ctx)),
  },
  {
    id: "memory",
    title: "Memory",
    unit: "bytes",
    description: "Resident memory of each process. Caches grow it; a steady climb without a plateau points at a cache factor set too high.",
    build: (ctx) => sumBy(`process_resident_memory_bytes${processLevel(ctx)}`),
  },
  {
    id: "reactor",
    title: "Reactor tick (p99)",
    unit: "seconds",
    description: "99th percentile of the Twisted reactor's tick. Long ticks mean the process was busy and every request on it waited.",
    build: (ctx) => `histogram_quantile(0.99, ${sumBy(rate(`python_twisted_reactor_tick_time_bucket${processLevel(ctx)}`, ctx), ", le")})`,
  },
  {
    id: "events",
    title: "Events persisted",
    unit: "events_per_second",
    description: "Events written to the database per second, by the process that persists them (main or the event persisters).",
    build: (ctx) => sumBy(rate(`synapse_storage_events_persisted_events_total${synapse(ctx)}`, ctx)),
  },
  {
    id: "federation",
    title: "Federation transactions",
    unit: "per_second",
    description: "Transactions sent to other servers per second, by the processes that send federation (main or the federation senders).",
    build: (ctx) => sumBy(rate(`synapse_federation_client_sent_transactions_total${synapse(ctx)}`, ctx)),
  },
  {
    id: "federation-queues",
    title: "Federation queues",
    unit: "count",
    description: 'PDUs and EDUs waiting in the federation senders\' in-memory queues (names "pdus", "edus"). Queues that only grow mean remote servers are not keeping up or are unreachable.',
    build: (ctx) =>
      [
        named(sumBy(`synapse_federation_transaction_queue_pending_pdus${synapse(ctx)}`), "pdus"),
        named(sumBy(`synapse_federation_transaction_queue_pending_edus${synapse(ctx)}`), "edus"),
      ].join(" or "),
  },
  {
    id: "db-pool",
    title: "Database pool",
    unit: "ratio",
    description: "Share of each process's database connections in use (working ÷ cp_max). A pool near 100 % with a growing wait (next panel) needs a larger cp_max or fewer slow queries.",
    build: (ctx) => {
      const pool = 'name="database-master"';
      return `${sumBy(`synapse_threadpool_working_threads${synapse(ctx, pool)}`)} / ${sumBy(`synapse_threadpool_max_threads${synapse(ctx, pool)}`)}`;
    },
  },
  {
    id: "db-wait",
    title: "Database connection wait",
    unit: "seconds",
    description: "Mean time a database transaction waited for a free connection of the pool. Above a few milliseconds the pool is too small for the load.",
    build: (ctx) => `${sumBy(rate(`synapse_storage_schedule_time_sum${synapse(ctx)}`, ctx))} / ${sumBy(rate(`synapse_storage_schedule_time_count${synapse(ctx)}`, ctx))}`,
  },
  {
    id: "caches",
    title: "Cache hit ratio",
    unit: "ratio",
    description: "Share of cache lookups answered from Synapse's in-memory caches, over all its caches. A falling ratio under load suggests raising the cache factor.",
    // Synapse exports these as gauges (no _total) that only grow, so rate() reads them as counters.
    build: (ctx) => `${sumBy(rate(`synapse_util_caches_cache_hits${synapse(ctx)}`, ctx))} / ${sumBy(rate(`synapse_util_caches_cache${synapse(ctx)}`, ctx))}`,
  },
  {
    id: "background",
    title: "Background jobs CPU",
    unit: "cores",
    description: "CPU of Synapse's background processes by job name, the 10 busiest over the range shown. Tells which duty keeps a process busy while it serves no requests.",
    build: (ctx) => {
      const cpu = (window: string, at = "") =>
        `sum by (${BY}, name) (rate(synapse_background_process_ru_utime_seconds_total${synapse(ctx)}[${window}]${at}) + rate(synapse_background_process_ru_stime_seconds_total${synapse(ctx)}[${window}]${at}))`;
      // Ranked once over the whole range (@ end()), so the same 10 are drawn at every step.
      const span = Math.max(ctx.window, Math.ceil(ctx.span ?? ctx.window));
      return `${cpu(`${ctx.window}s`)} and on (${BY}, name) topk(10, ${cpu(`${span}s`, " @ end()")})`;
    },
  },
];

const byId = new Map(panels.map((p) => [p.id, p]));

/** The panel with this id, or undefined. */
export function panelById(id: string): Panel | undefined {
  return byId.get(id);
}
