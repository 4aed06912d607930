import { spanOf, type Located, type ParsedYaml } from "./yaml-positions";

/**
 * The validator's vocabulary: every rule with its id, level and one line for the operator (the
 * config screen lists them), and the positioned finding each rule reports. Pure and browser-safe.
 * Levels: error where Synapse refuses to start or the deployment breaks, warning where it runs
 * but silently misbehaves.
 */

export type Level = "error" | "warning";

export const RULES = [
  // shape
  { id: "homeserver-missing", level: "error", summary: "There is no homeserver.yaml: every process loads it first." },
  { id: "yaml-syntax", level: "error", summary: "The file is not valid YAML." },
  { id: "duplicate-key", level: "warning", summary: "A key appears twice in one mapping: Synapse silently keeps the last one." },
  { id: "not-a-mapping", level: "error", summary: "The file or a section is not the mapping (or list) Synapse expects." },
  { id: "listener-port", level: "error", summary: "A listener's port is missing, not an integer, or outside 1–65535." },
  { id: "listener-type", level: "error", summary: "A listener's type is missing or not http, metrics or manhole (`replication` is gone)." },
  { id: "listener-resource", level: "error", summary: "A listener names a resource Synapse does not know." },
  { id: "listener-port-twice", level: "error", summary: "Two listeners of one process use the same port." },
  { id: "log-config-type", level: "error", summary: "log_config / worker_log_config is not a path." },
  // workers
  { id: "worker-name-missing", level: "error", summary: "A worker file has no worker_name (Synapse falls back to worker_app, shared by all)." },
  { id: "worker-name-duplicate", level: "error", summary: "Two worker files use one worker_name: replication positions collide." },
  { id: "worker-name-reserved", level: "error", summary: "A worker is named main or master, the main process's names." },
  { id: "worker-app", level: "warning", summary: "worker_app is not synapse.app.generic_worker." },
  { id: "worker-overrides-shared", level: "error", summary: "A worker file sets a key every process must share (instance_map, stream_writers, redis, database…)." },
  // replication
  { id: "removed-replication-key", level: "error", summary: "worker_replication_host/_http_port/_http_tls/_port are refused since Synapse 1.88." },
  { id: "instance-map-main", level: "error", summary: "instance_map.main is missing or not main's http replication listener." },
  { id: "writer-not-in-map", level: "error", summary: "A stream writer is missing from instance_map." },
  { id: "writer-replication-listener", level: "error", summary: "A stream writer has no http replication listener on its instance_map port." },
  { id: "writer-is-main", level: "error", summary: "A stream names main as its writer (workers call it master): leave the stream out instead." },
  { id: "writer-count", level: "error", summary: "typing, to_device, account_data, presence and push_rules take exactly one writer; no stream takes `[]`." },
  { id: "writer-unknown", level: "error", summary: "A stream writer has no worker file." },
  { id: "unknown-stream", level: "warning", summary: "stream_writers names a stream Synapse does not know." },
  { id: "instance-map-orphan", level: "warning", summary: "instance_map names a worker that has no worker file." },
  { id: "instance-map-clash", level: "error", summary: "Two instance_map entries point at one host:port." },
  // duties
  { id: "duty-unknown-worker", level: "error", summary: "A duty option names a worker that has no worker file: the duty runs nowhere." },
  { id: "legacy-duty-option", level: "error", summary: "A legacy duty option (send_federation, start_pushers, notify_appservices, update_user_directory) contradicts its replacement." },
  { id: "outbound-federation", level: "error", summary: "outbound_federation_restricted_to names a process outside instance_map, or worker_replication_secret is unset." },
  // media
  { id: "media-repo-disabled", level: "error", summary: "A worker serves media without enable_media_repo: true in its file: uploads return 404." },
  { id: "media-nobody", level: "error", summary: "Main does not serve media and no worker does." },
  { id: "media-both", level: "warning", summary: "Main and media workers both serve media." },
  { id: "media-jobs-not-media", level: "error", summary: "media_instance_running_background_jobs names a worker that does not serve media." },
  // infra
  { id: "redis-required", level: "error", summary: "Workers need redis.enabled: true." },
  { id: "redis-host-default", level: "warning", summary: "Redis has no host: each process connects to its own localhost." },
  { id: "postgres-required", level: "error", summary: "Workers need PostgreSQL (database.name: psycopg2)." },
  { id: "metrics-disabled", level: "warning", summary: "Metrics listeners exist but enable_metrics is not true: nothing to scrape." },
  { id: "metrics-listener-missing", level: "warning", summary: "A worker has no metrics listener: Prometheus cannot scrape it." },
  { id: "db-budget", level: "warning", summary: "Processes × cp_max (5 when unset) exceed PostgreSQL's max_connections." },
  // secrets
  { id: "masked-value-unknown", level: "error", summary: "«masked» stands where no secret was: it would be saved literally." },
  { id: "secret-inline-and-path", level: "error", summary: "A secret is set both inline and as a _path: Synapse refuses both." },
] as const satisfies ReadonlyArray<{ id: string; level: Level; summary: string }>;

export type RuleId = (typeof RULES)[number]["id"];

const levels = new Map<string, Level>(RULES.map((r) => [r.id, r.level]));

/** One problem, positioned (1-based) at the key or value that causes it. */
export interface Finding {
  rule: RuleId;
  level: Level;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
  /** One sentence: what to do about it. */
  fix: string;
}

/** Collects findings; each rule's level comes from RULES, never from the call site. */
export class FindingList {
  readonly items: Finding[] = [];

  add(rule: RuleId, file: string, parsed: ParsedYaml | null, at: Located, message: string, fix: string): void {
    const span = parsed ? spanOf(parsed, at) : { line: 1, column: 1, endLine: 1, endColumn: 1 };
    this.items.push({ rule, level: levels.get(rule)!, file, ...span, message, fix });
  }
}
