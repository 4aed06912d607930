import { parse } from "yaml";
import { singleWriterStreams } from "./catalogue";
import { parseHomeserverConfig, parseWorkerConfig, type Listener, type WorkerConfig } from "./config";
import { streamNames } from "./types";

/** The rules a worker-mode config must satisfy (Synapse 1.160), checked over the whole config directory. */

export interface Finding {
  level: "error" | "warning";
  message: string;
  file?: string;
}

const HS = "homeserver.yaml";
const removedKeys = ["worker_replication_host", "worker_replication_http_port", "worker_replication_http_tls", "worker_replication_port"];
const workerRefKeys = [
  ["federation_sender_instances", "federationSenderInstances"],
  ["pusher_instances", "pusherInstances"],
  ["update_user_directory_from_worker", "userDirectoryWorker"],
  ["notify_appservices_from_worker", "appserviceWorker"],
  ["run_background_tasks_on", "backgroundTasksOn"],
  ["media_instance_running_background_jobs", "mediaBackgroundJobsOn"],
] as const;

function topKeys(text: string): Record<string, unknown> {
  try {
    const v = parse(text, { uniqueKeys: false });
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function duplicatePorts(listeners: Listener[]): number[] {
  const seen = new Set<number>();
  return listeners.map((l) => l.port).filter((p) => (seen.has(p) ? true : (seen.add(p), false)));
}

const servesMedia = (w: WorkerConfig) => w.listeners.some((l) => l.resources.includes("media"));

export function validateDeployment(files: Record<string, string>): Finding[] {
  const out: Finding[] = [];
  const err = (message: string, file?: string) => out.push({ level: "error", message, file });
  const warn = (message: string, file?: string) => out.push({ level: "warning", message, file });
  const hsText = files[HS];
  if (hsText === undefined) return [{ level: "error", message: "homeserver.yaml is missing" }];

  let hs;
  try {
    hs = parseHomeserverConfig(hsText, HS);
  } catch (e) {
    return [{ level: "error", message: (e as Error).message, file: HS }];
  }
  const workers = new Map<string, { file: string; config: WorkerConfig }>();
  for (const [file, text] of Object.entries(files)) {
    if (!/^workers\/[^/]+\.ya?ml$/.test(file)) continue;
    let config: WorkerConfig;
    try {
      config = parseWorkerConfig(text, file);
    } catch (e) {
      err((e as Error).message, file);
      continue;
    }
    const name = config.workerName;
    if (!name) err("worker_name is missing", file);
    else if (name === "main" || name === "master") err(`worker_name ${name} names the main process`, file);
    else if (workers.has(name)) err(`worker_name ${name} is also used by ${workers.get(name)!.file}: replication positions would collide`, file);
    else workers.set(name, { file, config });
    if (config.workerApp !== "synapse.app.generic_worker") warn(`worker_app is ${config.workerApp ?? "missing"}; every worker runs synapse.app.generic_worker`, file);
    for (const p of duplicatePorts(config.listeners)) err(`port ${p} is used by two listeners`, file);
    if (!config.listeners.some((l) => l.type === "metrics")) warn("no metrics listener: Prometheus cannot scrape this worker", file);
    if (servesMedia(config) && config.enableMediaRepo !== true) err("serves media but lacks enable_media_repo: true (uploads would return 404)", file);
    for (const key of removedKeys) if (key in topKeys(text)) err(`${key} is no longer supported (use instance_map.main)`, file);
  }

  const raw = topKeys(hsText);
  for (const key of removedKeys) if (key in raw) err(`${key} is no longer supported (use instance_map.main)`, HS);
  for (const p of duplicatePorts(hs.listeners)) err(`port ${p} is used by two listeners`, HS);

  const known = (n: string) => workers.has(n);
  if (workers.size > 0) {
    if (!hs.redisEnabled) err("workers need Redis: set redis.enabled: true", HS);
    const db = raw.database as { name?: string } | undefined;
    if (db?.name !== "psycopg2") err("workers need PostgreSQL (database.name: psycopg2)", HS);
    const main = hs.instanceMap.main;
    if (!main) err("instance_map.main is missing: workers cannot reach main's replication listener", HS);
    else if (!hs.listeners.some((l) => l.type === "http" && l.port === main.port && l.resources.includes("replication")))
      err(`instance_map.main points at port ${main.port}, but main has no http replication listener there`, HS);
  }

  for (const [stream, writers = []] of Object.entries(hs.streamWriters)) {
    if (!(streamNames as readonly string[]).includes(stream)) warn(`stream_writers.${stream} is not a stream Synapse knows`, HS);
    if ((singleWriterStreams as readonly string[]).includes(stream) && writers.length > 1) err(`stream_writers.${stream} takes exactly one writer, not ${writers.length}`, HS);
    for (const w of writers) {
      if (w === "main" || w === "master") {
        err(`stream_writers.${stream} names ${w}: leave the stream out to keep it on main`, HS);
        continue;
      }
      if (!known(w)) err(`stream_writers.${stream} names ${w}, which has no worker file`, HS);
      const entry = hs.instanceMap[w];
      if (!entry) err(`stream writer ${w} is not in instance_map`, HS);
      const cfg = workers.get(w)?.config;
      if (cfg && !cfg.listeners.some((l) => l.type === "http" && l.resources.includes("replication") && (!entry || l.port === entry.port)))
        err(`stream writer ${w} needs an http replication listener${entry ? ` on port ${entry.port} (instance_map)` : ""}`, workers.get(w)!.file);
    }
  }
  for (const name of Object.keys(hs.instanceMap)) if (name !== "main" && !known(name)) warn(`instance_map.${name} names no worker file`, HS);

  for (const [key, field] of workerRefKeys) {
    const value = hs[field];
    for (const n of Array.isArray(value) ? value : value ? [value] : []) if (!known(n)) err(`${key} names ${n}, which has no worker file`, HS);
  }
  const mediaWorkers = [...workers.entries()].filter(([, w]) => w.config.enableMediaRepo === true || servesMedia(w.config)).map(([n]) => n);
  if (!hs.enableMediaRepo && mediaWorkers.length === 0) err("enable_media_repo is false but no media worker serves media", HS);
  if (hs.mediaBackgroundJobsOn && known(hs.mediaBackgroundJobsOn) && !mediaWorkers.includes(hs.mediaBackgroundJobsOn))
    err(`media_instance_running_background_jobs names ${hs.mediaBackgroundJobsOn}, which is not a media worker`, HS);
  if (hs.enableMediaRepo && mediaWorkers.length > 0) warn("main and media workers both serve media: set enable_media_repo: false on main", HS);

  const hasMetricsListener = hs.listeners.some((l) => l.type === "metrics") || [...workers.values()].some((w) => w.config.listeners.some((l) => l.type === "metrics"));
  if (hasMetricsListener && !hs.metricsEnabled) warn("metrics listeners exist but enable_metrics is not true", HS);
  const cpMax = Number((raw.database as { args?: { cp_max?: unknown } } | undefined)?.args?.cp_max ?? 10);
  if ((workers.size + 1) * cpMax > 100) warn(`${workers.size + 1} processes × cp_max ${cpMax} connections exceed PostgreSQL's default max_connections (100)`, HS);
  return out;
}

export function errorsOf(findings: Finding[]): Finding[] {
  return findings.filter((f) => f.level === "error");
}
