/**
 * A Swarm service's state in the words the rest of the dashboard uses for a container (running,
 * created, restarting, exited), read from its replica count and its tasks. Pure: discovery
 * (lib/docker/swarm/units.ts) and the ServiceRunner's stateOf agree because both call this.
 */

/** The fields of a task (GET /tasks) this reads. */
export interface TaskLike {
  ID: string;
  NodeID?: string;
  DesiredState?: string;
  CreatedAt?: string;
  UpdatedAt?: string;
  Status?: { State?: string; Err?: string; Timestamp?: string; ContainerStatus?: { ExitCode?: number; ContainerID?: string } };
}

/** Task states before its container runs: Swarm is still placing or preparing it. */
const PENDING = new Set(["new", "pending", "assigned", "accepted", "preparing", "ready"]);
/** Task states of a container that ran and is over. */
const ENDED = new Set(["complete", "failed", "shutdown", "rejected", "orphaned", "remove"]);

export interface ServiceState {
  state: "running" | "created" | "restarting" | "exited";
  exitCode: number | null;
  /** The task that stands for the service now: the newest one meant to run, else the newest. */
  task: TaskLike | null;
}

function newest(tasks: TaskLike[]): TaskLike | null {
  return [...tasks].sort((a, b) => (b.CreatedAt ?? "").localeCompare(a.CreatedAt ?? ""))[0] ?? null;
}

/**
 * `replicas` is the service's desired count (0 or 1 for a Synapse process: a worker_name must never
 * run twice). A task that is "starting" has a running container whose healthcheck has not passed
 * yet: like a container with health "starting", it is running.
 */
export function serviceState(replicas: number, tasks: TaskLike[]): ServiceState {
  const wanted = tasks.filter((t) => t.DesiredState === "running");
  const current = newest(wanted) ?? newest(tasks);
  const s = current?.Status?.State ?? "";
  const exitCode = current?.Status?.ContainerStatus?.ExitCode ?? null;
  if (s === "running" || s === "starting") return { state: "running", exitCode: null, task: current };
  if (replicas === 0) {
    if (!current) return { state: "created", exitCode: null, task: null };
    return { state: "exited", exitCode: exitCode ?? 0, task: current };
  }
  if (!current || PENDING.has(s)) return { state: "created", exitCode: null, task: current };
  // Meant to run but its task ended: Swarm makes the next one after the restart delay.
  if (ENDED.has(s)) return { state: "restarting", exitCode, task: current };
  return { state: "created", exitCode: null, task: current };
}
