import path from "node:path";
import { FleetError } from "@/lib/errors";
import { envRecord, parseSynapseCommand } from "@/lib/synapse/command";
import type { ContainerSpec, Placement } from "@/lib/synapse/plan-schema";
import { serviceState, type TaskLike } from "./state";

/**
 * A Swarm service's spec as a ContainerSpec and back (issue #15 §1, §2). Pure. The typed fields are
 * what plans edit; everything else the service carries goes to the engine record, a deny-list as
 * for containers (lib/docker/container-record.ts), so fields a newer engine adds come back too:
 *   config      the ContainerSpec minus Image, Command, Args, Env, User, Mounts, Secrets, Configs —
 *               Healthcheck (as containers have it: a worker's derivation rewrites its port),
 *               StopGracePeriod, container Labels, Privileges…; plus `MountOptions` (a typed
 *               volume's other fields, by target), `Mounts` (tmpfs and other non-typed mounts),
 *               `Secrets`/`Configs` outside the config root (kept as raw references) and
 *               `ObjectFileModes` (an object file's owner and mode when not root:root 0444).
 *   hostConfig  the rest of the TaskTemplate and of the service spec: RestartPolicy's delay and
 *               attempts, other constraints and preferences, Reservations, LogDriver,
 *               UpdateConfig, RollbackConfig, EndpointSpec's mode and non-typed ports…
 * Left out as the engine's own: TaskTemplate.ForceUpdate, Runtime "container", Mode.Replicated
 * (the runner's start and stop).
 * Config files reach a task as Swarm objects; in a spec they are binds `<configDir>/<rel>:<target>:ro`
 * so plans, snapshots and the container runner see one shape (the object runner makes them objects).
 */

type Json = Record<string, unknown>;

export interface PortConfig { Protocol?: string; TargetPort?: number; PublishedPort?: number; PublishMode?: string }
export interface ObjectReference { File?: { Name?: string; UID?: string; GID?: string; Mode?: number }; SecretID?: string; SecretName?: string; ConfigID?: string; ConfigName?: string }
export interface SwarmContainerSpec extends Json {
  Image?: string; Command?: string[]; Args?: string[]; Env?: string[]; User?: string; Labels?: Record<string, string>;
  Mounts?: Json[]; Secrets?: ObjectReference[]; Configs?: ObjectReference[];
}
export interface SwarmServiceSpec extends Json {
  Name: string;
  Labels?: Record<string, string>;
  TaskTemplate: Json & {
    ContainerSpec: SwarmContainerSpec;
    Networks?: Array<{ Target: string; Aliases?: string[]; DriverOpts?: Record<string, string> }>;
    Resources?: { Limits?: Json; Reservations?: Json };
    RestartPolicy?: Json & { Condition?: string };
    Placement?: Json & { Constraints?: string[] };
  };
  Mode?: Json & { Replicated?: { Replicas?: number } };
  EndpointSpec?: Json & { Mode?: string; Ports?: PortConfig[] };
}
export interface ServiceInfo { ID: string; Spec: SwarmServiceSpec }

/** A config or secret object standing for one file of the config dir, at its target in the task. */
export interface ObjectRef { kind: "secret" | "config"; target: string; file: string; id: string; name: string }
export interface NodeRef { id: string; hostname: string }

/**
 * Service label of a node constraint that only says where to start: the runner drops both once the
 * task runs there (moby/swarmkit#2496). Without it a node constraint is a pin.
 */
export const START_NODE_LABEL = "io.synapse-fleet.placement";
const OBJECT_FILE = { UID: "0", GID: "0", Mode: 0o444 };

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
function without(source: unknown, left: string[]): Json {
  if (!isObject(source)) return {};
  return Object.fromEntries(Object.entries(source).filter(([k, v]) => v !== null && v !== undefined && !left.includes(k)));
}
const nonEmpty = (o: Json): Json | undefined => (Object.keys(o).length > 0 ? o : undefined);

/** The directory of the process's first --config-path (its homeserver.yaml): config files live under it. */
export function configRoot(argv: string[], env: Record<string, string>): string | null {
  const first = parseSynapseCommand(argv, env)?.configPaths[0];
  return first && path.posix.isAbsolute(first) ? path.posix.dirname(first) : null;
}

/** `target` relative to `root` when it lies strictly below it; null otherwise. */
export function relativeUnder(root: string | null, target: string): string | null {
  if (!root || !target) return null;
  const rel = path.posix.relative(root, path.posix.normalize(target));
  return rel && !rel.startsWith("..") && !path.posix.isAbsolute(rel) ? rel : null;
}

/** `source:target[:ro|rw]` split; anything else is refused. */
export function parseBind(bind: string): { source: string; target: string; readOnly: boolean } {
  const [source, target, mode, ...rest] = bind.split(":");
  if (!source || !target || rest.length > 0 || (mode !== undefined && mode !== "ro" && mode !== "rw")) {
    throw new FleetError("invalid", `bind ${JSON.stringify(bind)} is not source:target[:ro|rw]`, { reason: "bad_bind", bind });
  }
  return { source, target, readOnly: mode === "ro" };
}

/** The config-dir file a host bind names, or null when it names none (then Swarm cannot carry it). */
export function configDirFile(configDir: string, source: string): string | null {
  return relativeUnder(path.posix.resolve(configDir), source);
}

function constraintParts(c: string): { key: string; op: string; value: string } | null {
  const m = /^\s*([\w.-]+)\s*(==|!=)\s*(.+?)\s*$/.exec(c);
  return m ? { key: m[1], op: m[2], value: m[3] } : null;
}

export interface ReadContext {
  nodes: NodeRef[];
  /** Network id → name; an unknown id stays as it is (the engine takes ids and names alike). */
  networks: Array<{ id: string; name: string }>;
  configDir: string;
  /** Objects of ours (id and their `io.synapse-fleet.file` label): a bind wherever they are mounted. */
  objects?: Array<{ id: string; file: string }>;
  /** This service's tasks: with no node constraint, its placement is the node its task runs on. */
  tasks?: TaskLike[];
}

/** A service read back as a ContainerSpec: the inverse of serviceSpecFrom(). */
export function specFromService(service: ServiceInfo, ctx: ReadContext): ContainerSpec {
  const s = service.Spec;
  const tt = s.TaskTemplate;
  const cs = tt.ContainerSpec;
  const env = envRecord(cs.Env);
  const argv = [...(cs.Command ?? []), ...(cs.Args ?? [])];
  const root = configRoot(argv, env);
  const config = without(cs, ["Image", "Command", "Args", "Env", "User", "Mounts", "Secrets", "Configs"]);

  const volumes: string[] = [];
  const mountOptions: Json = {};
  const otherMounts: Json[] = [];
  for (const m of cs.Mounts ?? []) {
    const extra = without(m, ["Type", "Source", "Target", "ReadOnly"]);
    if ((m.Type === "volume" || m.Type === "bind") && typeof m.Source === "string" && m.Source && typeof m.Target === "string") {
      volumes.push(`${m.Source}:${m.Target}${m.ReadOnly ? ":ro" : ""}`);
      if (Object.keys(extra).length > 0) mountOptions[m.Target] = extra;
    } else otherMounts.push(m);
  }
  if (nonEmpty(mountOptions)) config.MountOptions = mountOptions;
  if (otherMounts.length > 0) config.Mounts = otherMounts;

  const ours = new Map((ctx.objects ?? []).map((o) => [o.id, o.file]));
  const files: Array<{ target: string; bind: string }> = [];
  const modes: Json = {};
  for (const kind of ["Secrets", "Configs"] as const) {
    const raw: ObjectReference[] = [];
    for (const ref of cs[kind] ?? []) {
      const target = ref.File?.Name ?? "";
      const file = ours.get(ref.SecretID ?? ref.ConfigID ?? "") ?? relativeUnder(root, target);
      if (!file) {
        raw.push(ref);
        continue;
      }
      files.push({ target, bind: `${path.posix.join(ctx.configDir, file)}:${target}:ro` });
      const mode = without(ref.File, ["Name"]);
      if (mode.UID !== OBJECT_FILE.UID || mode.GID !== OBJECT_FILE.GID || mode.Mode !== OBJECT_FILE.Mode) modes[target] = mode;
    }
    if (raw.length > 0) config[kind] = raw;
  }
  if (nonEmpty(modes)) config.ObjectFileModes = modes;
  // Objects in one order whatever their kind, so a spec reads back as it was written.
  files.sort((a, b) => a.target.localeCompare(b.target));

  const networkName = new Map(ctx.networks.map((n) => [n.id, n.name]));
  const networks = (tt.Networks ?? []).map((n) => ({
    name: networkName.get(n.Target) ?? n.Target,
    aliases: n.Aliases ?? [],
    ...(n.DriverOpts ? { endpoint: { DriverOpts: n.DriverOpts } } : {}),
  }));

  const ports: ContainerSpec["ports"] = [];
  const otherPorts: PortConfig[] = [];
  for (const p of s.EndpointSpec?.Ports ?? []) {
    if ((p.Protocol ?? "tcp") === "tcp" && p.PublishMode === "host" && p.TargetPort && p.PublishedPort) ports.push({ container: p.TargetPort, host: p.PublishedPort, hostIp: "" });
    else otherPorts.push(p);
  }

  const { placement, constraints } = readPlacement(tt.Placement?.Constraints ?? [], s.Labels ?? {}, ctx, service);
  const limits = without(tt.Resources?.Limits, ["NanoCPUs", "MemoryBytes"]);
  const resources = without({ Limits: nonEmpty(limits), Reservations: tt.Resources?.Reservations }, []);
  const placementRest = without({ ...without(tt.Placement, ["Constraints"]), Constraints: constraints.length > 0 ? constraints : undefined }, []);
  const endpoint = without({ ...without(s.EndpointSpec, ["Ports"]), Ports: otherPorts.length > 0 ? otherPorts : undefined }, []);
  const hostConfig: Json = {
    ...without(tt, ["ContainerSpec", "Networks", "ForceUpdate", "Resources", "RestartPolicy", "Placement", ...(tt.Runtime === "container" ? ["Runtime"] : [])]),
    ...without(s, ["Name", "Labels", "TaskTemplate", "EndpointSpec", ...(isReplicated(s.Mode) ? ["Mode"] : [])]),
  };
  const restartRest = without(tt.RestartPolicy, ["Condition"]);
  if (nonEmpty(restartRest)) hostConfig.RestartPolicy = restartRest;
  if (nonEmpty(resources)) hostConfig.Resources = resources;
  if (nonEmpty(placementRest)) hostConfig.Placement = placementRest;
  if (nonEmpty(endpoint)) hostConfig.EndpointSpec = endpoint;

  const stackImage = s.Labels?.["com.docker.stack.image"];
  const image = cs.Image ?? "";
  const labels = { ...(s.Labels ?? {}) };
  delete labels[START_NODE_LABEL];
  return {
    name: s.Name,
    image: stackImage && image.split("@")[0] === stackImage ? stackImage : image,
    entrypoint: cs.Command ? [...cs.Command] : null,
    cmd: [...(cs.Args ?? [])],
    env,
    binds: [...volumes, ...files.map((f) => f.bind)],
    networks,
    labels,
    restartPolicy: tt.RestartPolicy?.Condition ?? "",
    user: cs.User ? cs.User : null,
    ports,
    resources: { nanoCpus: Number(tt.Resources?.Limits?.NanoCPUs) || null, memoryBytes: Number(tt.Resources?.Limits?.MemoryBytes) || null },
    engine: { config, hostConfig },
    ...(placement ? { placement } : {}),
  };
}

function isReplicated(mode: SwarmServiceSpec["Mode"]): boolean {
  return mode === undefined || (isObject(mode.Replicated) && Object.keys(mode).length === 1);
}

/** A node constraint is where it starts (with START_NODE_LABEL) or stays; labels stay; the rest is the record's. */
function readPlacement(all: string[], labels: Record<string, string>, ctx: ReadContext, service: ServiceInfo): { placement: Placement | null; constraints: string[] } {
  const placement: Placement = {};
  const constraints: string[] = [];
  const nodeLabels: Record<string, string> = {};
  for (const c of all) {
    const p = constraintParts(c);
    if (p?.op === "==" && (p.key === "node.id" || p.key === "node.hostname") && placement.node === undefined) {
      placement.node = p.key === "node.id" ? (ctx.nodes.find((n) => n.id === p.value)?.hostname ?? p.value) : p.value;
      if (labels[START_NODE_LABEL] !== "start") placement.pin = true;
    } else if (p?.op === "==" && p.key.startsWith("node.labels.") && p.key.length > "node.labels.".length) {
      nodeLabels[p.key.slice("node.labels.".length)] = p.value;
    } else constraints.push(c);
  }
  if (Object.keys(nodeLabels).length > 0) placement.labels = nodeLabels;
  if (placement.node === undefined && ctx.tasks) {
    // Not pinned anywhere: it starts again where it runs now (a restore puts it back there).
    const replicas = service.Spec.Mode?.Replicated?.Replicas ?? 0;
    const current = serviceState(replicas, ctx.tasks);
    const nodeId = current.state === "running" ? current.task?.NodeID : undefined;
    const host = nodeId ? ctx.nodes.find((n) => n.id === nodeId)?.hostname : undefined;
    if (host) placement.node = host;
  }
  return { placement: Object.keys(placement).length > 0 ? placement : null, constraints };
}

export interface WriteRefs {
  nodes: NodeRef[];
  /** Network name → id; a name not listed is given as it is (the engine resolves it). */
  networks?: Record<string, string>;
  configDir: string;
  /** One object per config-dir bind (by target), plus the implicit files (objects.ts). */
  objects: ObjectRef[];
}

const RESTART_CONDITION: Record<string, string> = { no: "none", always: "any", "unless-stopped": "any", "on-failure": "on-failure", any: "any", none: "none" };

/** The node a placement names, by id or hostname; 422 naming the known nodes when there is none. */
export function resolveNode(nodes: NodeRef[], node: string): NodeRef {
  const found = nodes.find((n) => n.id === node) ?? nodes.find((n) => n.hostname === node);
  if (!found) {
    throw new FleetError("unprocessable", `no swarm node is called ${node}: known nodes are ${nodes.map((n) => n.hostname).join(", ") || "none"}`, {
      reason: "unknown_node", node, nodes: nodes.map((n) => n.hostname),
    });
  }
  return found;
}

/** The ServiceCreate/ServiceUpdate body for a spec, with `replicas` (0 stopped, 1 running). */
export function serviceSpecFrom(spec: ContainerSpec, refs: WriteRefs, replicas: number): SwarmServiceSpec {
  const recorded = spec.engine ?? { config: {}, hostConfig: {} };
  const rc = recorded.config;
  const { MountOptions: mountOptions, Mounts: otherMounts, Secrets: rawSecrets, Configs: rawConfigs, ObjectFileModes: fileModes, ...containerRest } = rc;
  const options = isObject(mountOptions) ? mountOptions : {};
  const modes = isObject(fileModes) ? fileModes : {};

  const mounts: Json[] = [];
  const byTarget = new Map(refs.objects.map((o) => [o.target, o]));
  for (const bind of spec.binds) {
    const { source, target, readOnly } = parseBind(bind);
    if (!source.startsWith("/")) {
      mounts.push({ Type: "volume", Source: source, Target: target, ...(readOnly ? { ReadOnly: true } : {}), ...(isObject(options[target]) ? options[target] : {}) });
    } else if (!configDirFile(refs.configDir, source)) {
      throw new FleetError("unprocessable", `${source} is not a file of the config dir: Swarm never creates a bind's source on a node (moby/moby#28416)`, { reason: "host_bind", bind });
    } else if (!byTarget.has(target)) {
      throw new Error(`no object was made for ${bind}`);
    }
  }
  if (Array.isArray(otherMounts)) mounts.push(...(otherMounts as Json[]));

  const objects = [...refs.objects].sort((a, b) => a.target.localeCompare(b.target));
  const fileOf = (o: ObjectRef) => {
    const mode = modes[o.target];
    return { Name: o.target, ...OBJECT_FILE, ...(isObject(mode) ? mode : {}) };
  };
  const secrets = [
    ...objects.filter((o) => o.kind === "secret").map((o) => ({ File: fileOf(o), SecretID: o.id, SecretName: o.name })),
    ...(Array.isArray(rawSecrets) ? (rawSecrets as ObjectReference[]) : []),
  ];
  const configs = [
    ...objects.filter((o) => o.kind === "config").map((o) => ({ File: fileOf(o), ConfigID: o.id, ConfigName: o.name })),
    ...(Array.isArray(rawConfigs) ? (rawConfigs as ObjectReference[]) : []),
  ];
  const containerSpec: SwarmContainerSpec = {
    ...containerRest,
    Image: spec.image,
    ...(spec.entrypoint ? { Command: spec.entrypoint } : {}),
    ...(spec.cmd.length > 0 ? { Args: spec.cmd } : {}),
    ...(Object.keys(spec.env).length > 0 ? { Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`) } : {}),
    ...(spec.user ? { User: spec.user } : {}),
    ...(mounts.length > 0 ? { Mounts: mounts } : {}),
    ...(secrets.length > 0 ? { Secrets: secrets } : {}),
    ...(configs.length > 0 ? { Configs: configs } : {}),
  };

  const hc = recorded.hostConfig;
  const { RestartPolicy: restartRest, Resources: resourcesRest, Placement: placementRest, EndpointSpec: endpointRest, ...rest } = hc;
  const serviceKeys = new Set(["UpdateConfig", "RollbackConfig", "Mode", "Networks"]);
  const taskRest = Object.fromEntries(Object.entries(rest).filter(([k]) => !serviceKeys.has(k)));
  const serviceRest = Object.fromEntries(Object.entries(rest).filter(([k]) => serviceKeys.has(k)));

  const resources = isObject(resourcesRest) ? resourcesRest : {};
  const limits = {
    ...(isObject(resources.Limits) ? resources.Limits : {}),
    ...(spec.resources.nanoCpus ? { NanoCPUs: spec.resources.nanoCpus } : {}),
    ...(spec.resources.memoryBytes ? { MemoryBytes: spec.resources.memoryBytes } : {}),
  };
  const condition = spec.restartPolicy ? RESTART_CONDITION[spec.restartPolicy] : undefined;
  if (spec.restartPolicy && !condition) throw new FleetError("invalid", `restart policy ${spec.restartPolicy} has no Swarm equivalent`, { reason: "restart_policy" });

  const labels = { ...spec.labels };
  const placed = isObject(placementRest) ? placementRest : {};
  const constraints = [...(Array.isArray(placed.Constraints) ? (placed.Constraints as string[]) : [])];
  if (spec.placement?.node) {
    constraints.unshift(`node.id==${resolveNode(refs.nodes, spec.placement.node).id}`);
    if (!spec.placement.pin) labels[START_NODE_LABEL] = "start";
  }
  for (const [k, v] of Object.entries(spec.placement?.labels ?? {})) constraints.push(`node.labels.${k}==${v}`);

  for (const p of spec.ports) {
    if (p.hostIp) throw new FleetError("unprocessable", `a Swarm service publishes on every address of its node, not on ${p.hostIp}`, { reason: "host_ip", port: p.host });
  }
  const endpoint = isObject(endpointRest) ? endpointRest : {};
  const ports = [
    ...spec.ports.map((p) => ({ Protocol: "tcp", TargetPort: p.container, PublishedPort: p.host, PublishMode: "host" })),
    ...(Array.isArray(endpoint.Ports) ? (endpoint.Ports as PortConfig[]) : []),
  ];

  return {
    Name: spec.name,
    Labels: labels,
    TaskTemplate: {
      ...taskRest,
      ContainerSpec: containerSpec,
      Resources: without({ ...resources, Limits: nonEmpty(limits) }, []),
      ...(condition || isObject(restartRest) ? { RestartPolicy: { ...(condition ? { Condition: condition } : {}), ...(isObject(restartRest) ? restartRest : {}) } } : {}),
      Placement: without({ ...placed, Constraints: constraints.length > 0 ? constraints : undefined }, []),
      Networks: spec.networks.map((n) => ({
        Target: refs.networks?.[n.name] ?? n.name,
        Aliases: n.aliases,
        ...(isObject(n.endpoint?.DriverOpts) ? { DriverOpts: n.endpoint.DriverOpts as Record<string, string> } : {}),
      })),
    },
    ...serviceRest,
    Mode: isObject(serviceRest.Mode) ? (serviceRest.Mode as Json) : { Replicated: { Replicas: replicas } },
    ...(ports.length > 0 || Object.keys(endpoint).length > 0 ? { EndpointSpec: { ...endpoint, ...(ports.length > 0 ? { Ports: ports } : {}) } } : {}),
  };
}
