import { isScalar } from "yaml";
import type { FindingList } from "./rules-model";
import { checkRemovedKeys } from "./rules-replication";
import { hasResource, readConfigFile, readListeners, type ConfigFile, type ListenerInfo } from "./rules-shape";
import { pairIn, scalarOf, valueIn, type NamedNode } from "./yaml-positions";

/** Rules about each worker file: its name, its app, its listeners, keys it must leave to homeserver.yaml. */

export interface WorkerFile extends ConfigFile {
  name: string | null;
  listeners: ListenerInfo[];
  /** enable_media_repo in the worker's own file (null when unset). */
  enableMediaRepo: boolean | null;
  /** Its `media` resource names, if it has any. */
  mediaResources: NamedNode[];
}

export const WORKER_FILE = /^workers\/[^/]+\.ya?ml$/;
const GENERIC_APP = "synapse.app.generic_worker";

/**
 * A worker file is merged over homeserver.yaml for that one process: these keys must be the same
 * for every process, so setting them here splits the deployment's view of itself.
 */
const SHARED_KEYS = [
  "server_name", "database", "redis", "instance_map", "stream_writers", "worker_replication_secret", "macaroon_secret_key", "signing_key_path",
  "federation_sender_instances", "pusher_instances", "outbound_federation_restricted_to", "run_background_tasks_on",
  "update_user_directory_from_worker", "notify_appservices_from_worker", "media_instance_running_background_jobs",
];

/** Reads every workers/*.yaml; the unique names map to their file (the first one keeps a taken name). */
export function readWorkerFiles(files: Record<string, string>, out: FindingList): { workers: WorkerFile[]; byName: Map<string, WorkerFile>; unreadable: number } {
  const workers: WorkerFile[] = [];
  const byName = new Map<string, WorkerFile>();
  let unreadable = 0;
  for (const [path, text] of Object.entries(files)) {
    if (!WORKER_FILE.test(path)) continue;
    const file = readConfigFile(path, text, out);
    if (!file) {
      unreadable++;
      continue;
    }
    const worker = readWorker(file, out);
    workers.push(worker);
    const { name } = worker;
    const nameNode = valueIn(file.root, "worker_name");
    if (name === null) {
      out.add("worker-name-missing", path, file.parsed, nameNode, "worker_name is missing", "Add `worker_name: <unique name>` (the name instance_map and stream_writers use).");
    } else if (name === "main" || name === "master") {
      out.add("worker-name-reserved", path, file.parsed, nameNode, `worker_name ${name} names the main process`, "Give the worker another name.");
    } else if (byName.has(name)) {
      out.add("worker-name-duplicate", path, file.parsed, nameNode, `worker_name ${name} is also used by ${byName.get(name)!.path}: replication positions would collide`, "Give each worker file its own worker_name.");
    } else {
      byName.set(name, worker);
    }
  }
  return { workers, byName, unreadable };
}

function readWorker(file: ConfigFile, out: FindingList): WorkerFile {
  const { path, parsed, root } = file;
  const rawName = scalarOf(valueIn(root, "worker_name"));
  const appNode = valueIn(root, "worker_app");
  const app = scalarOf(appNode);
  if (app !== GENERIC_APP)
    out.add("worker-app", path, parsed, appNode, `worker_app is ${typeof app === "string" ? app : "missing"}; every worker runs ${GENERIC_APP}`, `Set worker_app: ${GENERIC_APP}.`);
  for (const key of SHARED_KEYS) {
    const pair = pairIn(root, key);
    if (pair) out.add("worker-overrides-shared", path, parsed, pair.key, `${key} is set in a worker file; every process must read it from homeserver.yaml`, `Remove ${key} here and set it in homeserver.yaml.`);
  }
  checkRemovedKeys(file, out);
  const listeners = readListeners(file, "worker_listeners", out);
  if (!listeners.some((l) => l.type === "metrics")) {
    const at = pairIn(root, "worker_listeners")?.key;
    out.add("metrics-listener-missing", path, parsed, at, "no metrics listener: Prometheus cannot scrape this worker", "Add a listener `- type: metrics` with its own port.");
  }
  const mediaNode = valueIn(root, "enable_media_repo");
  const enableMediaRepo = isScalar(mediaNode) && typeof mediaNode.value === "boolean" ? mediaNode.value : null;
  const mediaResources = listeners.flatMap((l) => l.resources.filter((r) => r.value === "media"));
  if (listeners.some((l) => hasResource(l, "media")) && enableMediaRepo !== true)
    out.add("media-repo-disabled", path, parsed, mediaResources[0]?.node, "serves media but lacks enable_media_repo: true (uploads would return 404)", "Add `enable_media_repo: true` to this worker file.");
  return { ...file, name: typeof rawName === "string" && rawName !== "" ? rawName : null, listeners, enableMediaRepo, mediaResources };
}

/** What the cross-file rules read: homeserver.yaml, the worker files, where findings go. */
export interface RuleContext {
  hs: ConfigFile;
  hsListeners: ListenerInfo[];
  workers: WorkerFile[];
  byName: Map<string, WorkerFile>;
  out: FindingList;
  /** PostgreSQL's max_connections, when the caller knows it (100 otherwise, PostgreSQL's default). */
  maxConnections: number;
}
