import { workerCatalogue, workerKinds, type WorkerKind } from "./catalogue";
import {
  ConfigParseError,
  parseHomeserverConfig,
  parseWorkerConfig,
  type HomeserverConfig,
  type WorkerConfig,
} from "./config";
import { deriveRole } from "./derive";
import { PlanError, type DeploymentSnapshot } from "./plan-schema";
import type { WorkerType } from "./types";

/** The deployment as the planner reads it from a snapshot: parsed configs joined with processes. */

export const HOMESERVER_FILE = "homeserver.yaml";
export const TARGETS_FILE = "prometheus/synapse-targets.json";

export type SnapshotProcess = DeploymentSnapshot["processes"][number];

export interface WorkerEntry {
  name: string;
  /** Its worker file relative to the config dir (null: a process whose file is missing). */
  file: string | null;
  config: WorkerConfig | null;
  kind: WorkerKind | null;
  type: WorkerType;
  process: SnapshotProcess | null;
}

export interface Deployment {
  snapshot: DeploymentSnapshot;
  hsText: string;
  hs: HomeserverConfig;
  main: SnapshotProcess | null;
  workers: WorkerEntry[];
}

export function isWorkerFile(path: string): boolean {
  return /^workers\/[^/]+\.ya?ml$/.test(path);
}

/** Kinds by prefix length, so `federation_sender` is tried before a shorter prefix could match. */
const kindsByPrefix = [...workerKinds].sort((a, b) => workerCatalogue[b].namePrefix.length - workerCatalogue[a].namePrefix.length);

/** Which catalogue kind a worker is: by the name the planner gives (prefix + number), else by its derived type. */
export function kindOf(name: string, type: WorkerType, streams: string[]): WorkerKind | null {
  for (const k of kindsByPrefix) if (new RegExp(`^${workerCatalogue[k].namePrefix}\\d*$`).test(name)) return k;
  if (type === "main") return null;
  if (type === "stream_writer") {
    const k = `${streams[0]}_writer`;
    return (workerKinds as readonly string[]).includes(k) ? (k as WorkerKind) : null;
  }
  return (workerKinds as readonly string[]).includes(type) ? (type as WorkerKind) : null;
}

function parseOrRefuse<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ConfigParseError) throw new PlanError("invalid", `cannot read ${err.message}`);
    throw err;
  }
}

export function readDeployment(snapshot: DeploymentSnapshot): Deployment {
  const hsText = snapshot.files[HOMESERVER_FILE];
  if (hsText === undefined) throw new PlanError("invalid", "homeserver.yaml is not in the snapshot of the config directory");
  const hs = parseOrRefuse(() => parseHomeserverConfig(hsText));
  const main = snapshot.processes.find((p) => p.type === "main") ?? null;
  const workers: WorkerEntry[] = [];
  const byName = new Map<string, WorkerEntry>();
  for (const [path, text] of Object.entries(snapshot.files).sort(([a], [b]) => a.localeCompare(b))) {
    if (!isWorkerFile(path)) continue;
    const config = parseOrRefuse(() => parseWorkerConfig(text, path));
    const name = config.workerName ?? path.replace(/^workers\/|\.ya?ml$/g, "");
    const role = deriveRole(config, hs);
    const entry: WorkerEntry = { name, file: path, config, kind: kindOf(name, role.type, role.streams), type: role.type, process: null };
    workers.push(entry);
    byName.set(name, entry);
  }
  for (const p of snapshot.processes) {
    if (p === main) continue;
    const entry = byName.get(p.name) ?? workers.find((w) => w.file !== null && w.file === p.configFile);
    if (entry) entry.process = p;
    else workers.push({ name: p.name, file: p.configFile, config: null, kind: kindOf(p.name, p.type, []), type: p.type, process: p });
  }
  return { snapshot, hsText, hs, main, workers };
}

export function findWorker(dep: Deployment, name: string): WorkerEntry | null {
  return dep.workers.find((w) => w.name === name) ?? null;
}

export function isRunning(p: SnapshotProcess | null): boolean {
  return p !== null && p.container !== null && p.state === "running";
}

/** Every listener port written in homeserver.yaml or any worker file. */
export function listenerPorts(dep: Deployment): number[] {
  return [...dep.hs.listeners.map((l) => l.port), ...dep.workers.flatMap((w) => w.config?.listeners.map((l) => l.port) ?? [])];
}

/** The name a worker is reached by on the Docker network (instance_map host, metrics target). */
export function networkAlias(name: string): string {
  return name.replace(/_/g, "-");
}

/**
 * Main's host name as workers reach it: the existing instance_map.main host, else the compose
 * service name, else a network alias that is not the container id, else the container name.
 */
export function mainHost(dep: Deployment): string {
  const fromMap = dep.hs.instanceMap.main?.host;
  if (fromMap) return fromMap;
  const c = dep.main?.container;
  if (!c) return "synapse";
  const service = c.labels["com.docker.compose.service"];
  if (service) return service;
  const alias = c.networks[0]?.aliases.find((a) => !(/^[0-9a-f]{12}$/.test(a) && c.id.startsWith(a)));
  return alias ?? c.name.replace(/^\//, "");
}
