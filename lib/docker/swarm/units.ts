import "server-only";
import path from "node:path";
import type Docker from "dockerode";
import type { SwarmNode } from "@/lib/synapse/plan-schema";
import { envRecord, parseSynapseCommand } from "@/lib/synapse/command";
import { DockerUnavailableError, isUnreachable } from "../client";
import type { RuntimeUnit } from "../runtime";
import { serviceArgv } from "./mode";
import { serviceState, type TaskLike } from "./state";

/**
 * Swarm services as runtime units (issue #15 §4): one unit per service, whose id is the service id
 * and whose state, addresses and ports come from its current task. The mapping is pure (tested with
 * the lab's real JSON); `listSwarmUnits` only adds the three manager calls.
 */

/** The fields of GET /nodes this reads. */
export interface RawNode {
  ID: string;
  Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string> };
  Description?: { Hostname?: string };
  Status?: { State?: string; Addr?: string };
  ManagerStatus?: { Addr?: string };
}

interface FileRef {
  File?: { Name?: string };
}

/** The fields of GET /services this reads. */
export interface RawService {
  ID: string;
  CreatedAt?: string;
  Spec?: {
    Name?: string;
    Labels?: Record<string, string>;
    Mode?: { Replicated?: { Replicas?: number }; Global?: object };
    TaskTemplate?: {
      ContainerSpec?: {
        Image?: string;
        Command?: string[];
        Args?: string[];
        Env?: string[];
        Mounts?: Array<{ Type?: string; Source?: string; Target?: string }>;
        Configs?: FileRef[];
        Secrets?: FileRef[];
        Healthcheck?: { Test?: string[] };
      };
      Placement?: { Constraints?: string[] };
    };
    EndpointSpec?: { Ports?: RawPort[] };
  };
}

interface RawPort {
  Protocol?: string;
  TargetPort?: number;
  PublishedPort?: number;
  PublishMode?: string;
}

/** The fields of GET /tasks this reads, beyond what serviceState needs. */
export interface RawTask extends TaskLike {
  ServiceID?: string;
  Status?: TaskLike["Status"] & { Message?: string; PortStatus?: { Ports?: RawPort[] } };
  NetworksAttachments?: Array<{ Network?: { Spec?: { Name?: string; Ingress?: boolean } }; Addresses?: string[] }>;
}

/** The label Swarm puts on every task container: how a node's container is told apart from a plain one. */
export const SWARM_SERVICE_LABEL = "com.docker.swarm.service.id";
export const SWARM_TASK_LABEL = "com.docker.swarm.task.id";

/**
 * A node's address. A manager created by `swarm init` may report its Status.Addr as 0.0.0.0 on
 * some engines; its ManagerStatus.Addr (host:port) is then the real one.
 */
function nodeAddress(n: RawNode): string | null {
  const addr = n.Status?.Addr;
  if (addr && addr !== "0.0.0.0") return addr;
  const manager = n.ManagerStatus?.Addr;
  return manager ? manager.replace(/:\d+$/, "") : null;
}

export function nodeFromRaw(n: RawNode): SwarmNode {
  const availability = n.Spec?.Availability;
  return {
    id: n.ID,
    hostname: n.Description?.Hostname ?? n.ID,
    role: n.Spec?.Role === "manager" ? "manager" : "worker",
    availability: availability === "drain" || availability === "pause" ? availability : "active",
    state: n.Status?.State ?? "unknown",
    address: nodeAddress(n),
    labels: n.Spec?.Labels ?? {},
  };
}

/** Replicated services have their count; a global one runs wherever it may: count it as wanted. */
function desiredReplicas(s: RawService): number {
  return s.Spec?.Mode?.Replicated ? (s.Spec.Mode.Replicated.Replicas ?? 0) : 1;
}

/** Swarm lists a host-mode port once per address family, as the container listing does: once each. */
function hostPorts(ports: RawPort[]): RuntimeUnit["ports"] {
  const seen = new Map<string, RuntimeUnit["ports"][number]>();
  for (const p of ports) {
    if (p.PublishMode !== "host" || !p.TargetPort) continue;
    const port = { container: p.TargetPort, host: p.PublishedPort || null, protocol: p.Protocol ?? "tcp" };
    seen.set(`${port.container}/${port.protocol}/${port.host}`, port);
  }
  return [...seen.values()].sort((a, b) => a.container - b.container);
}

/**
 * Volumes, plus every config and secret whose target lies under the process's config root (where
 * its first --config-path is): a Swarm object is a copy of a config-dir file, so discovery reads the
 * file itself at the same relative path. Others (a bundled library file) have no source here.
 */
function mountsOf(cs: NonNullable<NonNullable<RawService["Spec"]>["TaskTemplate"]>["ContainerSpec"], argv: string[], env: Record<string, string>, dir: string | null): RuntimeUnit["mounts"] {
  const mounts = (cs?.Mounts ?? []).filter((m) => m.Target).map((m) => ({ source: m.Source ?? "", destination: m.Target! }));
  const first = parseSynapseCommand(argv, env)?.configPaths[0];
  if (!dir || !first) return mounts;
  const root = path.posix.dirname(first);
  for (const ref of [...(cs?.Configs ?? []), ...(cs?.Secrets ?? [])]) {
    const target = ref.File?.Name;
    if (!target) continue;
    const rel = path.posix.relative(root, target);
    if (rel === "" || rel.startsWith("..") || path.posix.isAbsolute(rel)) continue;
    mounts.push({ source: path.join(dir, ...rel.split("/")), destination: target });
  }
  return mounts;
}

/**
 * The container's health in the words of a listing. Swarm holds a task with a healthcheck in
 * "starting" until the check passes, and replaces one whose check fails, so such a task that is
 * "running" has passed it. Without a healthcheck (or with NONE) nothing says: null, as for a container.
 */
function dockerHealth(cs: { Healthcheck?: { Test?: string[] } } | undefined, taskState: string | undefined): string | null {
  if (taskState === "starting") return "starting";
  const test = cs?.Healthcheck?.Test;
  if (!test || test.length === 0 || test[0] === "NONE") return null;
  return taskState === "running" ? "healthy" : null;
}

function statusText(state: string, task: RawTask | null, node: SwarmNode | null): string {
  if (!task) return state === "created" ? "no task yet" : state;
  const where = node ? ` on ${node.hostname}` : "";
  const said = task.Status?.Err || task.Status?.Message;
  return `task ${task.Status?.State ?? "unknown"}${where}${said ? `: ${said}` : ""}`;
}

/** One service as a unit, from the service, its tasks and the nodes. `dir` is SYNAPSE_CONFIG_DIR. */
export function unitFromService(s: RawService, tasks: RawTask[], nodes: Map<string, SwarmNode>, dir: string | null): RuntimeUnit {
  const cs = s.Spec?.TaskTemplate?.ContainerSpec;
  const { state, task } = serviceState(desiredReplicas(s), tasks);
  const current = task as RawTask | null;
  const node = current?.NodeID ? (nodes.get(current.NodeID) ?? null) : null;
  const running = state === "running";
  const argv = serviceArgv(cs);
  const env = envRecord(cs?.Env);
  // The task's own port status has the port Swarm picked when the spec left it to Swarm.
  const taskPorts = current?.Status?.PortStatus?.Ports;
  return {
    id: s.ID,
    name: s.Spec?.Name ?? s.ID,
    image: cs?.Image ?? "",
    state,
    status: statusText(state, current, node),
    dockerHealth: running ? dockerHealth(cs, current?.Status?.State) : null,
    labels: s.Spec?.Labels ?? {},
    argv,
    env,
    mounts: mountsOf(cs, argv, env, dir),
    networks: running
      ? (current?.NetworksAttachments ?? [])
          .filter((a) => a.Network?.Spec?.Name && !a.Network.Spec.Ingress && a.Addresses?.[0])
          .map((a) => ({ name: a.Network!.Spec!.Name!, ip: a.Addresses![0].replace(/\/\d+$/, "") }))
      : [],
    ports: hostPorts(running && taskPorts?.length ? taskPorts : (s.Spec?.EndpointSpec?.Ports ?? [])),
    createdAt: s.CreatedAt ?? new Date(0).toISOString(),
    startedAt: running ? (current?.Status?.Timestamp ?? null) : null,
    placement: s.Spec?.TaskTemplate?.Placement?.Constraints ?? [],
    swarm: {
      node: node ? { id: node.id, hostname: node.hostname, address: node.address } : null,
      task: current ? { id: current.ID, state: current.Status?.State ?? "unknown", error: current.Status?.Err || null } : null,
    },
  };
}

/** Every service as a unit, in the order the manager lists them. */
export function unitsFromSwarm(services: RawService[], tasks: RawTask[], rawNodes: RawNode[], dir: string | null): RuntimeUnit[] {
  const nodes = new Map(rawNodes.map((n) => [n.ID, nodeFromRaw(n)]));
  const byService = new Map<string, RawTask[]>();
  for (const t of tasks) if (t.ServiceID) byService.set(t.ServiceID, [...(byService.get(t.ServiceID) ?? []), t]);
  return services.map((s) => unitFromService(s, byService.get(s.ID) ?? [], nodes, dir));
}

/**
 * The node a worker is pinned to by a `node.id==` or `node.hostname==` constraint still in its spec,
 * when that node is down or drained: its task cannot run anywhere else ("stranded"). Null otherwise.
 */
export function strandedOn(constraints: string[], nodes: SwarmNode[]): SwarmNode | null {
  const node = constrainedNode(constraints, nodes);
  // A paused node keeps its tasks running; a drained or lost one does not.
  return node && (node.state !== "ready" || node.availability === "drain") ? node : null;
}

/** The node a `node.id==` or `node.hostname==` constraint binds a service to, if one does. */
export function constrainedNode(constraints: string[], nodes: SwarmNode[]): SwarmNode | null {
  for (const c of constraints) {
    const m = /^\s*node\.(id|hostname)\s*==\s*(\S+)\s*$/.exec(c);
    const node = m ? nodes.find((n) => (m[1] === "id" ? n.id === m[2] : n.hostname === m[2])) : undefined;
    if (node) return node;
  }
  return null;
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isUnreachable(err)) throw new DockerUnavailableError(err);
    throw err;
  }
}

/** The stopped services (0 replicas) of the last listing, per manager client: asked for with the next. */
const lastStopped = new WeakMap<Docker, string[]>();
const MAX_STOPPED_ASKED = 500;

const endedTasksOf = (api: Docker, ids: string[]) =>
  ids.length === 0 ? Promise.resolve([]) : call(() => api.listTasks({ filters: JSON.stringify({ service: ids }) }) as Promise<RawTask[]>);

/**
 * Nodes, services and running tasks in parallel (three manager calls). Stopped services (0
 * replicas) have no task meant to run, so their last tasks are read too (a stopped worker shows as
 * exited rather than as never started): in the same round for the services that were stopped at
 * the last listing, and in a second call only for any stopped since.
 */
export async function listSwarmUnits(api: Docker, dir: string | null): Promise<{ units: RuntimeUnit[]; nodes: SwarmNode[] }> {
  const asked = lastStopped.get(api) ?? [];
  const [rawNodes, services, running, endedAsked] = await Promise.all([
    call(() => api.listNodes() as Promise<RawNode[]>),
    call(() => api.listServices() as Promise<RawService[]>),
    call(() => api.listTasks({ filters: JSON.stringify({ "desired-state": ["running"] }) }) as Promise<RawTask[]>),
    // The manager refuses the whole call (404) when one of them has been removed since: asked again below.
    endedTasksOf(api, asked).catch((err) => {
      if (err instanceof DockerUnavailableError) throw err;
      return null;
    }),
  ]);
  const stopped = services.filter((s) => desiredReplicas(s) === 0).map((s) => s.ID);
  const answered = new Set(endedAsked ? asked : []);
  const ended = [...(endedAsked ?? []), ...(await endedTasksOf(api, stopped.filter((id) => !answered.has(id))))];
  lastStopped.set(api, stopped.slice(0, MAX_STOPPED_ASKED));
  const stoppedSet = new Set(stopped);
  const tasks = [...running, ...ended.filter((t) => t.ServiceID && stoppedSet.has(t.ServiceID) && t.DesiredState !== "running")];
  // By hostname, so the nodes strip keeps its order (the manager lists them in no fixed one).
  const nodes = rawNodes.map(nodeFromRaw).sort((a, b) => a.hostname.localeCompare(b.hostname, "en", { numeric: true }));
  return { units: unitsFromSwarm(services, tasks, rawNodes, dir), nodes };
}
