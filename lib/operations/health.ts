import "server-only";
import type { RuntimeUnit } from "@/lib/docker/runtime";
import { constrainedNode } from "@/lib/docker/swarm/units";
import type { SwarmNode } from "@/lib/synapse/plan-schema";
import { discoverDrafts } from "@/lib/topology/discover";
import { probeAlive } from "@/lib/topology/health";
import { replicationSubscribers } from "./replication";
import { NODE_DOWN } from "./state";

export interface ProcessHealth {
  name: string;
  /** Running and answering its liveness probe (/health, or TCP on the metrics port). */
  alive: boolean;
  /** The container's state, or "missing". */
  state: string;
  /** Why a running process does not count as up, when it is not its probe. */
  why?: string;
}

/** Answers "are these processes up?" for the executor's wait_healthy steps. */
export interface HealthChecker {
  check(targets: Array<{ name: string; containerId: string | null }>): Promise<ProcessHealth[]>;
}

/** Health from discovery (container state, probe address from the worker file) and one probe each. */
export const liveHealthChecker: HealthChecker = {
  async check(targets) {
    const discovered = await discoverDrafts();
    const { drafts } = discovered;
    const found = targets.map(({ name, containerId }) => ({
      name,
      draft: (containerId ? drafts.find((d) => d.container?.id === containerId) : undefined) ?? drafts.find((d) => d.name === name && d.container),
    }));
    // Workers must also be on Redis replication (main serves alone when it must: it is not held to it).
    const askRedis = found.some(({ draft }) => draft?.unit && draft.state === "running" && draft.type !== "main");
    const subscribers = askRedis ? await replicationSubscribers(discovered) : null;
    return Promise.all(
      found.map(async ({ name, draft }) => {
        if (!draft?.unit) return { name, alive: false, state: "missing" };
        // On a swarm: a task on a node the manager sees down will not answer, and Swarm will not
        // move a task whose node is still required; waiting for it is waiting for nothing (#15 §7).
        const node = draft.unit.swarm ? boundNode(draft.unit, discovered.nodes ?? []) : undefined;
        if (node && (node.state === "down" || node.state === "disconnected")) {
          return { name, alive: false, state: NODE_DOWN, why: `its node ${node.hostname} is ${node.state}` };
        }
        if (draft.state !== "running") return { name, alive: false, state: draft.state };
        // No listener to probe (a worker with neither http nor metrics): running is all we can know.
        const alive = (await probeAlive(draft.probe)) ?? true;
        if (alive && subscribers && draft.type !== "main" && !draft.unit.networks.some((n) => subscribers.has(n.ip))) {
          return { name, alive: false, state: draft.state, why: "answering, but not subscribed to Redis replication" };
        }
        return { name, alive, state: draft.state };
      }),
    );
  },
};

/**
 * The node a swarm process is on or bound to: its task's node, else the node its constraints name
 * (a task Swarm took off a lost node, and cannot place elsewhere, has none of its own).
 */
function boundNode(unit: RuntimeUnit, nodes: SwarmNode[]): SwarmNode | undefined {
  const on = unit.swarm?.node?.id;
  if (on) return nodes.find((n) => n.id === on);
  return constrainedNode(unit.placement ?? [], nodes) ?? undefined;
}
