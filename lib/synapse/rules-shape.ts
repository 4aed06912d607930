import { isMap, isPair, isScalar, isSeq, type Node, type YAMLMap } from "yaml";
import type { FindingList } from "./rules-model";
import { isSecretKey } from "./secret-keys";
import { MASK } from "./secret-patterns";
import { keyName, namesOf, pairIn, parseYaml, valueIn, type NamedNode, type ParsedYaml } from "./yaml-positions";

/**
 * Rules about one file on its own: it parses, it is a mapping, no key twice, listeners Synapse
 * accepts, log config paths that are strings, and the secret-shaped mistakes («masked» where no
 * secret was, a secret both inline and as a path). Everything cross-file lives in the other rules-*.
 */

export type YamlMap = YAMLMap<Node, Node | null>;

export interface ConfigFile {
  path: string;
  parsed: ParsedYaml;
  root: YamlMap;
}

export interface ListenerInfo {
  node: YamlMap;
  port: number | null;
  portNode: Node | null | undefined;
  type: string | null;
  typeNode: Node | null | undefined;
  /** Resource names with their nodes (a metrics listener serves `metrics`). */
  resources: NamedNode[];
  resourcesNode: Node | null | undefined;
}

const LISTENER_TYPES = ["http", "metrics", "manhole"];
const RESOURCES = ["client", "consent", "federation", "health", "keys", "media", "metrics", "openid", "replication", "static"];
const LOG_CONFIG_KEYS = ["log_config", "worker_log_config"];

/** Parses a config file and runs the file-level rules; null when the rest cannot read it. */
export function readConfigFile(path: string, text: string, out: FindingList): ConfigFile | null {
  const parsed = parseYaml(text);
  const { doc } = parsed;
  if (doc.errors.length > 0) {
    // Only the first: one syntax slip makes the parser report a cascade after it.
    const e = doc.errors[0];
    out.add("yaml-syntax", path, parsed, { range: e.pos }, e.message.split("\n")[0], "Correct the YAML at this position (indentation, a missing colon or quote).");
    return null;
  }
  const contents = doc.contents;
  if (contents !== null && !(isScalar(contents) && contents.value === null) && !isMap(contents)) {
    out.add("not-a-mapping", path, parsed, contents, "top level must be a mapping", "Write the file as `key: value` lines at the top level.");
    return null;
  }
  const root = (isMap(contents) ? contents : doc.createNode({})) as YamlMap;
  walk(path, parsed, root, false, out);
  for (const key of LOG_CONFIG_KEYS) {
    const v = valueIn(root, key);
    if (v !== undefined && v !== null && !(isScalar(v) && (v.value === null || typeof v.value === "string")))
      out.add("log-config-type", path, parsed, v, `${key} must be a path to a log config file`, `Set ${key} to a path in quotes, or remove it.`);
  }
  return { path, parsed, root };
}

/** Every mapping at any depth: keys twice, secrets inline and as a path, «masked» outside a secret. */
function walk(path: string, parsed: ParsedYaml, node: unknown, underSecret: boolean, out: FindingList): void {
  if (isMap(node)) {
    const seen = new Set<string>();
    const keys = new Set(node.items.flatMap((p) => (isPair(p) && p.value !== null && !(isScalar(p.value) && p.value.value === null) ? [keyName(p)] : [])));
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = keyName(pair);
      if (key !== null) {
        if (seen.has(key)) out.add("duplicate-key", path, parsed, pair.key as Node, `${key} appears twice here; Synapse uses only the last one`, `Remove one of the two ${key} entries.`);
        seen.add(key);
        if (isSecretKey(key) && keys.has(key) && keys.has(`${key}_path`))
          out.add("secret-inline-and-path", path, parsed, pairIn(node, `${key}_path`)!.key, `${key} and ${key}_path are both set; Synapse refuses the config`, `Keep either ${key} or ${key}_path.`);
      }
      walk(path, parsed, pair.value, underSecret || (key !== null && isSecretKey(key)), out);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) walk(path, parsed, item, underSecret, out);
  } else if (isScalar(node) && node.value === MASK && !underSecret) {
    out.add("masked-value-unknown", path, parsed, node, `${MASK} stands where no secret was; it would be saved literally`, "Type the real value here instead of «masked».");
  }
}

/** The listeners under `key` (listeners / worker_listeners), checked as Synapse parses them. */
export function readListeners(file: ConfigFile, key: string, out: FindingList): ListenerInfo[] {
  const { path, parsed } = file;
  const seq = valueIn(file.root, key);
  if (seq === undefined || seq === null || (isScalar(seq) && seq.value === null)) return [];
  if (!isSeq(seq)) {
    out.add("not-a-mapping", path, parsed, seq, `${key} must be a list of listeners`, `Write ${key} as a list: one \`- port: …\` entry per listener.`);
    return [];
  }
  const result: ListenerInfo[] = [];
  const ports = new Set<number>();
  for (const item of seq.items) {
    if (!isMap(item)) {
      out.add("not-a-mapping", path, parsed, item as Node, `each entry of ${key} must be a mapping`, "Give the listener its keys: port, type, resources.");
      continue;
    }
    const l = readListener(file, item as YamlMap, out);
    if (l.port !== null) {
      if (ports.has(l.port)) out.add("listener-port-twice", path, parsed, l.portNode, `port ${l.port} is used by two listeners`, "Give each listener of this process its own port.");
      ports.add(l.port);
    }
    result.push(l);
  }
  return result;
}

function readListener(file: ConfigFile, node: YamlMap, out: FindingList): ListenerInfo {
  const { path, parsed } = file;
  const portNode = valueIn(node, "port");
  const rawPort = isScalar(portNode) ? portNode.value : undefined;
  let port: number | null = null;
  if (typeof rawPort === "number" && Number.isInteger(rawPort) && rawPort >= 1 && rawPort <= 65535) port = rawPort;
  else if (portNode !== undefined || valueIn(node, "path") === undefined) {
    // A UNIX-socket listener has `path` instead of a port.
    const shown = portNode === undefined ? "no port" : `port ${isScalar(portNode) ? JSON.stringify(portNode.value) : "that is not a number"}`;
    out.add("listener-port", path, parsed, portNode ?? node, `listener has ${shown}: it needs an integer from 1 to 65535`, "Set port to a free TCP port number, without quotes.");
  }
  const typeNode = valueIn(node, "type");
  const type = isScalar(typeNode) && typeof typeNode.value === "string" ? typeNode.value : null;
  if (type === "replication")
    out.add("listener-type", path, parsed, typeNode, "listener type replication (TCP replication) was removed from Synapse", "Use `type: http` with `resources: [{names: [replication]}]`, or remove the listener.");
  else if (type === null || !LISTENER_TYPES.includes(type))
    out.add("listener-type", path, parsed, typeNode ?? node, `listener type ${type ?? "is missing"}${type ? " is not http, metrics or manhole" : ""}`, "Set type to http, metrics or manhole.");

  const resourcesNode = valueIn(node, "resources");
  const resources: NamedNode[] = [];
  if (isSeq(resourcesNode)) {
    for (const r of resourcesNode.items) {
      for (const name of namesOf(valueIn(r, "names"))) {
        if (!RESOURCES.includes(name.value))
          out.add("listener-resource", path, parsed, name.node, `listener resource ${name.value} is not one Synapse knows`, `Use one of ${RESOURCES.join(", ")}.`);
        resources.push(name);
      }
    }
  }
  if (type === "metrics" && !resources.some((r) => r.value === "metrics")) resources.push({ value: "metrics", node: typeNode as Node });
  return { node, port, portNode, type, typeNode, resources, resourcesNode };
}

export const hasResource = (l: ListenerInfo, name: string) => l.resources.some((r) => r.value === name);
export const isReplicationListener = (l: ListenerInfo) => l.type === "http" && hasResource(l, "replication");
