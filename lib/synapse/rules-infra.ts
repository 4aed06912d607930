import { isScalar } from "yaml";
import type { RuleContext } from "./rules-workers";
import { nodeAt, pairIn, scalarOf, valueIn } from "./yaml-positions";

/** Rules about what the processes share: Redis, PostgreSQL and its connection budget, metrics. */

/** Twisted's ConnectionPool default when database.args.cp_max is unset (adbapi.py). */
const DEFAULT_CP_MAX = 5;

export function checkInfra(ctx: RuleContext): void {
  const { hs, out } = ctx;
  const processes = ctx.workers.length + 1;
  if (ctx.workers.length > 0) {
    const redis = valueIn(hs.root, "redis");
    const enabledNode = nodeAt(hs.root, ["redis", "enabled"]);
    if (scalarOf(enabledNode) !== true) {
      out.add("redis-required", hs.path, hs.parsed, enabledNode ?? pairIn(hs.root, "redis")?.key, "workers need Redis: set redis.enabled: true", "Set redis.enabled: true and redis.host to your Redis service.");
    } else {
      const host = scalarOf(valueIn(redis, "host"));
      if (typeof host !== "string" || host === "")
        out.add("redis-host-default", hs.path, hs.parsed, pairIn(hs.root, "redis")?.key, "redis has no host: every process connects to Redis on its own localhost", "Set redis.host to the Redis service's name.");
    }
    const dbName = nodeAt(hs.root, ["database", "name"]);
    if (scalarOf(dbName) !== "psycopg2")
      out.add("postgres-required", hs.path, hs.parsed, dbName ?? pairIn(hs.root, "database")?.key, "workers need PostgreSQL (database.name: psycopg2)", "Move the database to PostgreSQL and set database.name: psycopg2.");
  }

  const metricsNode = valueIn(hs.root, "enable_metrics");
  const hsMetrics = ctx.hsListeners.find((l) => l.type === "metrics");
  const anyMetrics = hsMetrics !== undefined || ctx.workers.some((w) => w.listeners.some((l) => l.type === "metrics"));
  if (anyMetrics && scalarOf(metricsNode) !== true)
    out.add("metrics-disabled", hs.path, hs.parsed, metricsNode ?? hsMetrics?.typeNode, "metrics listeners exist but enable_metrics is not true", "Set enable_metrics: true in homeserver.yaml.");

  const cpNode = nodeAt(hs.root, ["database", "args", "cp_max"]);
  const cp = isScalar(cpNode) && typeof cpNode.value === "number" && Number.isInteger(cpNode.value) && cpNode.value > 0 ? cpNode.value : null;
  const cpMax = cp ?? DEFAULT_CP_MAX;
  if (processes * cpMax > ctx.maxConnections) {
    const shown = cp === null ? `cp_max ${cpMax} (unset: Twisted's default)` : `cp_max ${cpMax}`;
    out.add("db-budget", hs.path, hs.parsed, cpNode ?? pairIn(hs.root, "database")?.key, `${processes} processes × ${shown} connections exceed PostgreSQL's max_connections (${ctx.maxConnections})`, "Lower database.args.cp_max, or raise PostgreSQL's max_connections.");
  }
}
