import { isMap, isPair, isScalar, type Node } from "yaml";
import { singleWriterStreams } from "./catalogue";
import type { FindingList } from "./rules-model";
import { isReplicationListener, type ConfigFile } from "./rules-shape";
import type { RuleContext, WorkerFile } from "./rules-workers";
import { streamNames } from "./types";
import { isEmptyList, keyName, namesOf, pairIn, scalarOf, valueIn } from "./yaml-positions";

/** Rules of HTTP replication: instance_map, stream_writers, and the listeners they point at. */

const REMOVED_KEYS = ["worker_replication_host", "worker_replication_http_port", "worker_replication_http_tls", "worker_replication_port"];

export interface InstanceEntry {
  name: string;
  keyNode: Node;
  host: string;
  port: number | null;
  portNode: Node | null | undefined;
}

/** worker_replication_* are refused since Synapse 1.88 (in homeserver.yaml and worker files alike). */
export function checkRemovedKeys(file: ConfigFile, out: FindingList): void {
  for (const key of REMOVED_KEYS) {
    const pair = pairIn(file.root, key);
    if (pair) out.add("removed-replication-key", file.path, file.parsed, pair.key, `${key} is no longer supported (use instance_map.main)`, `Remove ${key}; point instance_map.main at main's replication listener instead.`);
  }
}

/** instance_map's entries (names, hosts, ports with their nodes); shape errors reported once here. */
export function readInstanceMap(ctx: RuleContext): Map<string, InstanceEntry> {
  const { hs, out } = ctx;
  const entries = new Map<string, InstanceEntry>();
  const node = valueIn(hs.root, "instance_map");
  if (node === undefined || node === null || (isScalar(node) && node.value === null)) return entries;
  if (!isMap(node)) {
    out.add("not-a-mapping", hs.path, hs.parsed, node, "instance_map must be a mapping of instance names to host and port", "Write instance_map as `name: {host: …, port: …}` entries.");
    return entries;
  }
  for (const pair of node.items) {
    const name = isPair(pair) ? keyName(pair) : null;
    if (name === null) continue;
    if (!isMap(pair.value)) {
      out.add("not-a-mapping", hs.path, hs.parsed, (pair.value ?? pair.key) as Node, `instance_map.${name} must be a mapping with host and port`, `Give instance_map.${name} a host and a port.`);
      continue;
    }
    const portNode = valueIn(pair.value, "port");
    const port = scalarOf(portNode);
    entries.set(name, { name, keyNode: pair.key as Node, host: String(scalarOf(valueIn(pair.value, "host")) ?? ""), port: typeof port === "number" ? port : null, portNode });
  }
  return entries;
}

export function checkReplication(ctx: RuleContext, instances: Map<string, InstanceEntry>): void {
  const { hs, out, byName } = ctx;
  const at = (node: Node | null | undefined, rule: Parameters<FindingList["add"]>[0], message: string, fix: string) => out.add(rule, hs.path, hs.parsed, node, message, fix);
  checkRemovedKeys(hs, out);

  if (ctx.workers.length > 0) {
    const main = instances.get("main");
    if (!main) {
      at(pairIn(hs.root, "instance_map")?.key, "instance-map-main", "instance_map.main is missing: workers cannot reach main's replication listener", "Add instance_map.main with main's host and the port of its http replication listener.");
    } else if (!ctx.hsListeners.some((l) => isReplicationListener(l) && l.port === main.port)) {
      at(main.portNode ?? main.keyNode, "instance-map-main", `instance_map.main points at port ${main.port}, but main has no http replication listener there`, "Point instance_map.main.port at main's `names: [replication]` listener, or add that listener.");
    }
  }
  const seen = new Map<string, string>();
  for (const e of instances.values()) {
    const where = `${e.host}:${e.port}`;
    const first = seen.get(where);
    if (first !== undefined) at(e.portNode ?? e.keyNode, "instance-map-clash", `instance_map.${e.name} points at ${where}, like instance_map.${first}`, "Give each instance its own host or port.");
    else seen.set(where, e.name);
    if (e.name !== "main" && !byName.has(e.name)) at(e.keyNode, "instance-map-orphan", `instance_map.${e.name} names no worker file`, `Remove instance_map.${e.name}, or add its worker file.`);
  }
  checkStreamWriters(ctx, instances);
}

function checkStreamWriters(ctx: RuleContext, instances: Map<string, InstanceEntry>): void {
  const { hs, out, byName } = ctx;
  const at = (node: Node | null | undefined, rule: Parameters<FindingList["add"]>[0], message: string, fix: string) => out.add(rule, hs.path, hs.parsed, node, message, fix);
  const node = valueIn(hs.root, "stream_writers");
  if (node === undefined || node === null || (isScalar(node) && node.value === null)) return;
  if (!isMap(node)) {
    at(node, "not-a-mapping", "stream_writers must be a mapping of streams to writers", "Write stream_writers as `stream: [worker]` entries.");
    return;
  }
  const reported = new Set<WorkerFile>();
  for (const pair of node.items) {
    const stream = isPair(pair) ? keyName(pair) : null;
    if (stream === null) continue;
    const value = pair.value as Node | null;
    if (!(streamNames as readonly string[]).includes(stream)) at(pair.key as Node, "unknown-stream", `stream_writers.${stream} is not a stream Synapse knows`, `Use one of ${streamNames.join(", ")}.`);
    if (isEmptyList(value)) {
      at(value ?? (pair.key as Node), "writer-count", `stream_writers.${stream} lists no writer: Synapse refuses an empty list`, `Name one writer, or remove stream_writers.${stream} to keep the stream on main.`);
      continue;
    }
    const writers = namesOf(value);
    if ((singleWriterStreams as readonly string[]).includes(stream) && writers.length > 1)
      at(value, "writer-count", `stream_writers.${stream} takes exactly one writer, not ${writers.length}`, `Keep one writer for ${stream}.`);
    for (const w of writers) {
      if (w.value === "main" || w.value === "master") {
        at(w.node, "writer-is-main", `stream_writers.${stream} names ${w.value}: leave the stream out to keep it on main`, `Remove ${w.value} from stream_writers.${stream}.`);
        continue;
      }
      if (!byName.has(w.value)) at(w.node, "writer-unknown", `stream_writers.${stream} names ${w.value}, which has no worker file`, `Add a worker file for ${w.value}, or name an existing worker.`);
      const entry = instances.get(w.value);
      if (!entry) at(w.node, "writer-not-in-map", `stream writer ${w.value} is not in instance_map`, `Add instance_map.${w.value} with the host and port of its replication listener.`);
      const worker = byName.get(w.value);
      if (worker && !reported.has(worker) && !hasWriterListener(worker, entry)) {
        reported.add(worker); // once per worker file, however many streams it writes
        reportWriterListener(worker, entry, out);
      }
    }
  }
}

const hasWriterListener = (worker: WorkerFile, entry: InstanceEntry | undefined) =>
  worker.listeners.some((l) => isReplicationListener(l) && (!entry || l.port === entry.port));

/** Points at the listener on the instance_map port when there is one: that is the line to fix. */
function reportWriterListener(worker: WorkerFile, entry: InstanceEntry | undefined, out: FindingList): void {
  const onPort = entry ? worker.listeners.find((l) => l.port === entry.port) : undefined;
  const at = onPort ? (onPort.type !== "http" ? onPort.typeNode : (onPort.resourcesNode ?? onPort.node)) : pairIn(worker.root, "worker_listeners")?.key;
  out.add(
    "writer-replication-listener",
    worker.path,
    worker.parsed,
    at,
    `stream writer ${worker.name} needs an http replication listener${entry ? ` on port ${entry.port} (instance_map)` : ""}`,
    entry ? `Give the listener on port ${entry.port} \`type: http\` and \`names: [replication]\`.` : "Add an http listener with `names: [replication]` and put its port in instance_map.",
  );
}
