import pg from "pg";
import { CannotRun, requireDocker, running, type Check, type CheckOutcome, type DiagnosticsContext } from "./model";
import { ask, serverNameMatcher } from "./prometheus";

/**
 * Every Synapse process opens up to cp_max connections (Twisted's default 5 when unset); together
 * they must fit in PostgreSQL's max_connections minus superuser_reserved_connections. Measured by
 * connecting as Synapse does (homeserver.yaml's database.args). Prometheus adds whether a pool is
 * saturated or waits long for a connection.
 */

export const WARN_SHARE = 0.8;
export const SATURATED = 0.9;
export const MAX_MEAN_WAIT_SECONDS = 0.05;

interface ServerFacts {
  maxConnections: number;
  reserved: number;
  inUse: number;
}

/** Reads the server's limits over one connection; the deadline ends the connection. */
export async function readServerFacts(opts: pg.ClientConfig, signal: AbortSignal): Promise<ServerFacts> {
  const client = new pg.Client({ ...opts, connectionTimeoutMillis: 1_800, query_timeout: 1_500, application_name: "synapse-fleet diagnostics" });
  const onAbort = () => void client.end().catch(() => undefined);
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    await client.connect();
    const max = await client.query<{ max_connections: string }>("SHOW max_connections");
    const reserved = await client.query<{ superuser_reserved_connections: string }>("SHOW superuser_reserved_connections");
    const used = await client.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE backend_type = 'client backend'");
    return { maxConnections: Number(max.rows[0].max_connections), reserved: Number(reserved.rows[0].superuser_reserved_connections), inUse: Number(used.rows[0].n) };
  } finally {
    signal.removeEventListener("abort", onAbort);
    await client.end().catch(() => undefined);
  }
}

async function poolMetrics(ctx: DiagnosticsContext, evidence: string[]): Promise<"ok" | "busy" | "unknown"> {
  const sn = serverNameMatcher(ctx.serverName);
  const pool = `name=~"database-.*"${sn ? `,${sn}` : ""}`;
  const [sat, wait] = await Promise.all([
    ask(() => ctx.prometheus.instantQuery(`max by (worker) (avg_over_time(synapse_threadpool_working_threads{${pool}}[5m]) / synapse_threadpool_max_threads{${pool}})`, { signal: ctx.signal })),
    ask(() => ctx.prometheus.instantQuery(`sum by (worker) (rate(synapse_storage_schedule_time_sum{${sn}}[5m])) / sum by (worker) (rate(synapse_storage_schedule_time_count{${sn}}[5m]))`, { signal: ctx.signal })),
  ]);
  if (!sat.ok || !wait.ok) {
    evidence.push(`cannot run the pool metrics part: ${!sat.ok ? sat.why : !wait.ok ? wait.why : ""}`);
    return "unknown";
  }
  // Prometheus keeps series of processes gone within the window (a removed worker): judge the ones running now.
  const now = new Set(running(ctx).map((p) => p.name));
  const here = <T extends { labels: Record<string, string> }>(rows: T[]) => rows.filter((r) => now.has(r.labels.worker ?? ""));
  const saturation = here(sat.value);
  const waits = here(wait.value);
  let ok = true;
  for (const r of saturation.filter((x) => x.value >= SATURATED)) {
    ok = false;
    evidence.push(`${r.labels.worker ?? "a process"}: its database pool was ${Math.round(r.value * 100)} % busy over 5 min (saturated)`);
  }
  for (const r of waits.filter((x) => x.value > MAX_MEAN_WAIT_SECONDS)) {
    ok = false;
    evidence.push(`${r.labels.worker ?? "a process"}: waited ${Math.round(r.value * 1000)} ms on average for a database connection over 5 min (limit ${MAX_MEAN_WAIT_SECONDS * 1000} ms)`);
  }
  if (ok) evidence.push(`no pool saturated, mean connection wait ≤ ${MAX_MEAN_WAIT_SECONDS * 1000} ms in ${saturation.length} running processes`);
  return ok ? "ok" : "busy";
}

/** The check, with how the server's facts are read made replaceable for unit tests. */
export function makeDbPoolCheck(read: typeof readServerFacts = readServerFacts): Check {
  return {
    id: "db-pool",
    title: "Database connections",
    async run(ctx): Promise<CheckOutcome> {
      const db = ctx.connections?.database;
      if (!db) throw new CannotRun(`homeserver.yaml cannot be read: ${ctx.hsError ?? "not found"}`);
      if (db.engine !== "psycopg2") throw new CannotRun(`database.name is ${db.engine}, not psycopg2: there is no PostgreSQL to check`);
      requireDocker(ctx);
      const where = await ctx.resolveHost(db.host);
      const evidence = [`database.args.host ${db.host}, port ${db.port}: ${where.how}`];
      if (!where.address) return { status: "fail", evidence, fix: `Start PostgreSQL (docker start ${where.container?.name ?? db.host}); Synapse cannot work without it.` };
      let facts: ServerFacts;
      try {
        facts = await read({ host: where.address, port: db.port, user: db.user ?? undefined, password: db.password ?? undefined, database: db.database ?? undefined }, ctx.signal);
      } catch (err) {
        evidence.push(`cannot query PostgreSQL as ${db.user ?? "the default user"}: ${(err as Error).message}`);
        return { status: "fail", evidence, fix: "Synapse connects with database.args of homeserver.yaml: check that PostgreSQL runs and accepts that user, password and database." };
      }
      const processes = ctx.processes.filter((p) => p.unit).length;
      const demand = processes * db.cpMax;
      const room = facts.maxConnections - facts.reserved;
      evidence.push(
        `${processes} Synapse processes × cp_max ${db.cpMax}${db.cpMaxSet ? "" : " (unset: Twisted's default)"} = ${demand} connections at most`,
        `max_connections ${facts.maxConnections} − superuser_reserved_connections ${facts.reserved} = ${room} for Synapse and everyone else; ${facts.inUse} in use now`,
      );
      const pool = await poolMetrics(ctx, evidence);
      const more = `Raise max_connections (ALTER SYSTEM SET max_connections = ${Math.ceil(demand / WARN_SHARE) + facts.reserved}; restart PostgreSQL) or lower cp_max in database.args.`;
      if (demand > room) return { status: "fail", evidence, fix: `The pools can ask for more connections than PostgreSQL allows: requests will fail under load. ${more}` };
      if (demand > WARN_SHARE * room) return { status: "warn", evidence, fix: `The pools use more than ${WARN_SHARE * 100} % of the connections PostgreSQL allows. ${more}` };
      if (pool === "unknown") return { status: "warn", evidence, fix: "The connection budget fits; Prometheus must answer for the pool saturation part to run." };
      if (pool === "busy") return { status: "warn", evidence, fix: "A busy pool makes requests wait for a connection: raise cp_max in database.args (within max_connections), or move load off that process." };
      return { status: "pass", evidence, fix: null };
    },
  };
}

export const dbPoolCheck = makeDbPoolCheck();
