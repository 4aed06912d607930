import "server-only";
import type Docker from "dockerode";
import { docker, DockerUnavailableError, isUnreachable } from "../client";
import { openContainerLogs, openTaskLogStream, type ContainerLogOptions, type ContainerLogStream, type RawLogLine } from "../logs";
import { nodeEngine } from "./mode";
import { serviceState, type ServiceState, type TaskLike } from "./state";

/**
 * A Swarm service's log is its current task's (issue #15 §5): read from the node's own engine
 * (the task's container, as for any container) when FLEET_SWARM_NODE_ENGINES names the node, else
 * through the manager's GET /tasks/{id}/logs. Which task is current is asked of the manager.
 */

/** The task a service's log is read from now. */
export interface TaskRef {
  id: string;
  serviceId: string;
  /** The node's hostname, null while the task is not placed (or the node is gone from the list). */
  node: string | null;
  /** "ready", "down", "disconnected", "unknown": a node that is not ready cannot send its logs. */
  nodeState: string | null;
  containerId: string | null;
  state: string;
  error: string | null;
  tty: boolean;
}

export interface ServiceTask {
  state: ServiceState["state"];
  task: TaskRef | null;
}

type ServiceLike = { ID: string; Spec?: { Mode?: { Replicated?: { Replicas?: number } }; TaskTemplate?: { ContainerSpec?: { TTY?: boolean } } } };
type NodeLike = { ID: string; Description?: { Hostname?: string }; Status?: { State?: string } };
type TaskWithSpec = TaskLike & { ServiceID?: string; Spec?: { ContainerSpec?: { TTY?: boolean } } };

/** What the manager lists, indexed. */
export interface SwarmListing {
  services: Map<string, ServiceLike>;
  tasksOf: Map<string, TaskWithSpec[]>;
  nodes: Map<string, NodeLike>;
}

/** Every source of every follow shares one listing per second: three manager calls, whatever the number of workers. */
const LISTING_TTL_MS = 1_000;
let cached: { at: number; api: Docker; value: Promise<SwarmListing> } | null = null;

async function readListing(api: Docker): Promise<SwarmListing> {
  try {
    const [services, tasks, nodes] = await Promise.all([
      api.listServices() as Promise<ServiceLike[]>,
      api.listTasks() as Promise<TaskWithSpec[]>,
      api.listNodes() as Promise<NodeLike[]>,
    ]);
    const tasksOf = new Map<string, TaskWithSpec[]>();
    for (const t of tasks) {
      if (!t.ServiceID) continue;
      const list = tasksOf.get(t.ServiceID);
      if (list) list.push(t);
      else tasksOf.set(t.ServiceID, [t]);
    }
    return { services: new Map(services.map((s) => [s.ID, s])), tasksOf, nodes: new Map(nodes.map((n) => [n.ID, n])) };
  } catch (err) {
    if (isUnreachable(err)) throw new DockerUnavailableError(err);
    throw err;
  }
}

function listing(api: Docker): Promise<SwarmListing> {
  if (cached && cached.api === api && Date.now() - cached.at < LISTING_TTL_MS) return cached.value;
  const value = readListing(api);
  cached = { at: Date.now(), api, value };
  value.catch(() => (cached = null));
  return value;
}

/** The service's state and the task that stands for it now (state.ts decides which, as discovery does). */
export function pickServiceTask(serviceId: string, l: SwarmListing): ServiceTask | null {
  const service = l.services.get(serviceId);
  if (!service) return null;
  const replicas = service.Spec?.Mode?.Replicated?.Replicas ?? 1;
  const { state, task } = serviceState(replicas, l.tasksOf.get(serviceId) ?? []);
  if (!task) return { state, task: null };
  const t = task as TaskWithSpec;
  const node = t.NodeID ? l.nodes.get(t.NodeID) : undefined;
  return {
    state,
    task: {
      id: t.ID,
      serviceId,
      node: node?.Description?.Hostname ?? null,
      nodeState: node?.Status?.State ?? null,
      containerId: t.Status?.ContainerStatus?.ContainerID || null,
      state: t.Status?.State ?? "unknown",
      error: t.Status?.Err || null,
      tty: Boolean(t.Spec?.ContainerSpec?.TTY ?? service.Spec?.TaskTemplate?.ContainerSpec?.TTY),
    },
  };
}

/** The service's current task, asked of the manager (at most one listing a second); null when the service is gone. */
export async function currentTaskOf(serviceId: string, api: Docker = docker()): Promise<ServiceTask | null> {
  return pickServiceTask(serviceId, await listing(api));
}

/** Forget the shared listing (tests). */
export function forgetSwarmListing(): void {
  cached = null;
}

/**
 * Opens the task's log: its container on the node's engine when that engine is known and the task
 * has a container, else the manager's task log. `via` says which, for messages and tests.
 */
export async function openTaskLogs(
  task: TaskRef,
  opts: ContainerLogOptions,
  onLines: (lines: RawLogLine[]) => void,
  onSystem: (message: string) => void,
): Promise<ContainerLogStream & { via: "node" | "manager" }> {
  const engine = task.node ? nodeEngine(task.node) : null;
  if (engine && task.containerId) return { ...(await openContainerLogs(task.containerId, opts, onLines, engine)), via: "node" };
  // The manager's task log takes no `until`: the caller filters by ts.
  return { ...(await openTaskLogStream(task.id, task.tty, { ...opts, until: undefined }, onLines, onSystem)), via: "manager" };
}
