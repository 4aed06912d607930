import { parse } from "yaml";

/** One listener of a Synapse process, as written in its config. */
export interface Listener {
  port: number;
  type: string; // "http" | "metrics" | "manhole" …
  resources: string[]; // names: client, federation, media, replication, metrics…
  bindAddresses: string[];
  tls: boolean;
}

/** What the dashboard needs to know from homeserver.yaml; never secrets. */
export interface HomeserverConfig {
  serverName: string | null;
  listeners: Listener[];
  instanceMap: Record<string, { host: string; port: number; tls: boolean }>;
  streamWriters: Partial<Record<string, string[]>>;
  federationSenderInstances: string[];
  pusherInstances: string[];
  mediaBackgroundJobsOn: string | null;
  enableMediaRepo: boolean;
  userDirectoryWorker: string | null;
  appserviceWorker: string | null;
  backgroundTasksOn: string | null;
  redisEnabled: boolean;
  metricsEnabled: boolean;
}

export interface WorkerConfig {
  workerApp: string | null;
  workerName: string | null;
  listeners: Listener[];
  enableMediaRepo: boolean | null;
}

export class ConfigParseError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = "ConfigParseError";
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);
const strList = (v: unknown): string[] =>
  typeof v === "string" ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

function parseYamlObject(text: string, file: string): Obj {
  let doc: unknown;
  try {
    doc = parse(text, { uniqueKeys: false });
  } catch (err) {
    throw new ConfigParseError(file, (err as Error).message.split("\n")[0]);
  }
  if (doc == null) return {};
  if (!isObj(doc)) throw new ConfigParseError(file, "top level must be a mapping");
  return doc;
}

export function parseListeners(v: unknown): Listener[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObj).flatMap((l) => {
    const port = Number(l.port);
    if (!Number.isInteger(port)) return [];
    const resources = Array.isArray(l.resources)
      ? l.resources.filter(isObj).flatMap((r) => strList(r.names))
      : [];
    const type = str(l.type) ?? "http";
    return [{ port, type, resources: type === "metrics" ? ["metrics"] : resources, bindAddresses: strList(l.bind_addresses), tls: l.tls === true }];
  });
}

/** A stream writer value may be a single instance name or a list. */
function parseStreamWriters(v: unknown): Partial<Record<string, string[]>> {
  if (!isObj(v)) return {};
  return Object.fromEntries(Object.entries(v).map(([stream, w]) => [stream, strList(w)]));
}

export function parseHomeserverConfig(text: string, file = "homeserver.yaml"): HomeserverConfig {
  const c = parseYamlObject(text, file);
  const instanceMap: HomeserverConfig["instanceMap"] = {};
  if (isObj(c.instance_map)) {
    for (const [name, v] of Object.entries(c.instance_map)) {
      if (isObj(v)) instanceMap[name] = { host: String(v.host ?? ""), port: Number(v.port), tls: v.tls === true };
    }
  }
  const redis = isObj(c.redis) ? c.redis : {};
  return {
    serverName: str(c.server_name),
    listeners: parseListeners(c.listeners),
    instanceMap,
    streamWriters: parseStreamWriters(c.stream_writers),
    federationSenderInstances: strList(c.federation_sender_instances),
    pusherInstances: strList(c.pusher_instances),
    mediaBackgroundJobsOn: str(c.media_instance_running_background_jobs),
    enableMediaRepo: c.enable_media_repo !== false,
    userDirectoryWorker: str(c.update_user_directory_from_worker),
    appserviceWorker: str(c.notify_appservices_from_worker),
    backgroundTasksOn: str(c.run_background_tasks_on),
    redisEnabled: redis.enabled === true,
    metricsEnabled: c.enable_metrics === true,
  };
}

export function parseWorkerConfig(text: string, file: string): WorkerConfig {
  const c = parseYamlObject(text, file);
  return {
    workerApp: str(c.worker_app),
    workerName: str(c.worker_name),
    listeners: parseListeners(c.worker_listeners),
    enableMediaRepo: typeof c.enable_media_repo === "boolean" ? c.enable_media_repo : null,
  };
}

/** The first HTTP listener that answers /health (every http listener does; metrics ones don't). */
export function healthListener(listeners: Listener[]): Listener | null {
  return listeners.find((l) => l.type === "http") ?? null;
}

export function metricsListener(listeners: Listener[]): Listener | null {
  return listeners.find((l) => l.type === "metrics") ?? null;
}
