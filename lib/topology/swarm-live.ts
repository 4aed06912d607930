import "server-only";
import type { LiveEvent } from "@/lib/contract/topology";
import { docker } from "@/lib/docker/client";
import { engineEvents, followTaskContainers } from "@/lib/docker/events";
import type { RuntimeUnit } from "@/lib/docker/runtime";
import { listSwarmUnits } from "@/lib/docker/swarm/units";
import type { SwarmNode } from "@/lib/synapse/plan-schema";
import { configDir } from "./config-files";

/**
 * Live state on a swarm (issue #15 §4). The manager's event stream has service and node events but
 * none for tasks, and a task's container events live on its own node's engine. So any of those
 * events (and the task containers' events of every node engine FLEET_SWARM_NODE_ENGINES lists) only
 * say "look again": the services and tasks are re-read, and what changed is sent in the events the
 * browser already applies, keyed by service id. While something converges (a task not yet running,
 * a node not ready) or shortly after an event, they are re-read every 2 s at most, which also
 * covers nodes whose engine is not listed.
 */

export interface SwarmLiveSink {
  emit(e: LiveEvent): void;
  /** A service's state changed, as a container's would: the hub probes, follows stats, or stops. */
  state(serviceId: string, action: string, state: string | null, time: number): void;
}

interface Seen {
  state: string;
  taskId: string | null;
  taskState: string | null;
  nodeId: string | null;
  address: string | null;
}

const POLL_MS = 2_000;
/** Events come in bursts (a drain: a service update, then several task containers): one re-read. */
const DEBOUNCE_MS = 150;
/** After an event, keep looking this long: a new task has no event on the manager as it goes from pending to running. */
const AFTER_EVENT_MS = 30_000;

function seen(u: RuntimeUnit): Seen {
  return {
    state: u.state,
    taskId: u.swarm?.task?.id ?? null,
    taskState: u.swarm?.task?.state ?? null,
    nodeId: u.swarm?.node?.id ?? null,
    address: u.networks[0]?.ip ?? null,
  };
}

/** Swarm is still working on it: a task that is meant to run but does not yet, or a node that is not ready. */
export function converging(units: RuntimeUnit[], nodes: SwarmNode[]): boolean {
  return (
    nodes.some((n) => n.state !== "ready") ||
    units.some((u) => {
      const task = u.swarm?.task;
      if (u.state === "running") return task?.state !== "running";
      return (u.state === "created" || u.state === "restarting") && task !== null && task !== undefined;
    })
  );
}

/** The events that take the browser from `before` to `after`. Pure: tested without a swarm. */
export function swarmChanges(
  before: Map<string, Seen>,
  units: RuntimeUnit[],
): Array<{ kind: "state"; id: string; action: string; state: string | null } | { kind: "placement"; unit: RuntimeUnit }> {
  const out: ReturnType<typeof swarmChanges> = [];
  const now = new Set<string>();
  for (const u of units) {
    now.add(u.id);
    const prev = before.get(u.id);
    const cur = seen(u);
    const action = `task_${cur.taskState ?? "none"}`;
    if (!prev) {
      // An id the browser does not know, created: it fetches the topology again.
      out.push({ kind: "state", id: u.id, action: "create", state: "created" });
      if (u.state === "running") out.push({ kind: "state", id: u.id, action, state: "running" });
      continue;
    }
    // Moved, or its task went on (starting → running): the card shows the task and its node.
    const moved = prev.taskId !== cur.taskId || prev.nodeId !== cur.nodeId || prev.address !== cur.address || prev.taskState !== cur.taskState;
    if (moved) out.push({ kind: "placement", unit: u });
    // A task replaced by one that already runs (seen between two reads) is a start all the same.
    if (prev.state !== cur.state || (cur.state === "running" && prev.taskId !== cur.taskId)) out.push({ kind: "state", id: u.id, action, state: cur.state });
  }
  for (const id of before.keys()) if (!now.has(id)) out.push({ kind: "state", id, action: "remove", state: "removed" });
  return out;
}

export class SwarmTracker {
  private services = new Map<string, Seen>();
  private nodes = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private again = false;
  private lastActivity = 0;
  private ctl = new AbortController();
  private offSwarm: () => void = () => {};
  private baseline = true;

  constructor(private sink: SwarmLiveSink) {}

  start(): void {
    this.offSwarm = engineEvents().on("swarm", () => this.poke());
    followTaskContainers(() => this.poke(), this.ctl.signal);
    void this.resync();
  }

  stop(): void {
    this.ctl.abort();
    this.offSwarm();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Something happened (a task container, a service or node event, the engine back): look again soon. */
  poke(): void {
    this.lastActivity = Date.now();
    this.schedule(DEBOUNCE_MS);
  }

  private schedule(ms: number) {
    if (this.ctl.signal.aborted || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.resync();
    }, ms);
    this.timer.unref();
  }

  private async resync(): Promise<void> {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    let keepLooking = true;
    try {
      const { units, nodes } = await listSwarmUnits(docker(), configDir());
      if (this.ctl.signal.aborted) return;
      this.apply(units, nodes);
      keepLooking = converging(units, nodes) || Date.now() - this.lastActivity < AFTER_EVENT_MS;
    } catch {
      /* the manager is away: the engine event says so, and its return pokes us */
    } finally {
      this.busy = false;
      if (this.again) {
        this.again = false;
        this.schedule(DEBOUNCE_MS);
      } else if (keepLooking) this.schedule(POLL_MS);
    }
  }

  private apply(units: RuntimeUnit[], nodes: SwarmNode[]) {
    const time = Date.now();
    if (!this.baseline) {
      for (const c of swarmChanges(this.services, units)) {
        if (c.kind === "state") this.sink.state(c.id, c.action, c.state, time);
        else this.sink.emit({ type: "placement", containerId: c.unit.id, node: c.unit.swarm?.node ?? null, task: c.unit.swarm?.task ?? null, address: c.unit.networks[0]?.ip ?? null });
      }
      for (const n of nodes) {
        const key = `${n.state}/${n.availability}`;
        if (this.nodes.get(n.id) !== key) this.sink.emit({ type: "node", nodeId: n.id, state: n.state, availability: n.availability });
      }
    }
    // The first read is the baseline changes are told against; a service created between a page's
    // topology fetch and this read would be in neither. So the baseline ends with an engine event,
    // on which pages fetch the topology again (it is true, too: the manager just answered).
    if (this.baseline) this.sink.emit({ type: "engine", reachable: true, error: null });
    this.baseline = false;
    this.services = new Map(units.map((u) => [u.id, seen(u)]));
    this.nodes = new Map(nodes.map((n) => [n.id, `${n.state}/${n.availability}`]));
  }
}
