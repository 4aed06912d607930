import "server-only";
import type { Health, SynapseProcess } from "@/lib/contract/topology";
import type { RuntimeUnit } from "@/lib/docker/runtime";
import { nodeEngine } from "@/lib/docker/swarm/mode";
import { strandedOn } from "@/lib/docker/swarm/units";
import { healthListener, metricsListener, type WorkerConfig } from "@/lib/synapse/config";
import type { SwarmNode } from "@/lib/synapse/plan-schema";
import type { ProbeTarget } from "./health";

/**
 * What discovery does differently for a process that is a Swarm service (issue #15 §4): where it
 * is probed from, its node and task, the stranded warning, and whether it has stats.
 */

/**
 * The host has no route into an overlay network, so a dashboard beside the swarm probes a task
 * through its node's address and the host port its listener is published on (`mode: host`). A
 * dashboard that is itself attached to the overlay (`FLEET_SWARM_PROBE=overlay`) uses the task's
 * overlay address and the listener's own port, as for containers. A listener that is neither
 * published nor reachable over the overlay cannot be probed: address null (health from Swarm).
 */
export function swarmProbeTarget(u: RuntimeUnit, listeners: WorkerConfig["listeners"], env: Record<string, string | undefined> = process.env): ProbeTarget {
  const http = healthListener(listeners);
  const metrics = metricsListener(listeners);
  if (env.FLEET_SWARM_PROBE === "overlay") {
    const address = u.networks.find((n) => n.ip)?.ip ?? null;
    return { address, httpPort: http?.port ?? null, tcpPort: http ? null : (metrics?.port ?? null) };
  }
  const published = (port: number | undefined) => (port ? (u.ports.find((p) => p.container === port && p.protocol === "tcp" && p.host)?.host ?? null) : null);
  const address = u.swarm?.node?.address ?? null;
  const httpPort = published(http?.port);
  if (httpPort) return { address, httpPort, tcpPort: null };
  const tcpPort = http ? null : published(metrics?.port);
  return tcpPort ? { address, httpPort: null, tcpPort } : { address: null, httpPort: null, tcpPort: null };
}

/**
 * A swarm process as the dashboard reaches it: the node's address, and each listener that is
 * published at its host port (the overlay address and own ports with FLEET_SWARM_PROBE=overlay).
 * For what asks main itself (its version), like the probe.
 */
export function reachableFromHere<T extends { address: string | null; listeners: Array<{ port: number }>; unit: RuntimeUnit | null }>(
  p: T,
  env: Record<string, string | undefined> = process.env,
): T {
  const u = p.unit;
  if (!u?.swarm || env.FLEET_SWARM_PROBE === "overlay") return p;
  const listeners = p.listeners.flatMap((l) => {
    const host = u.ports.find((x) => x.container === l.port && x.protocol === "tcp" && x.host)?.host;
    return host ? [{ ...l, port: host }] : [];
  });
  return { ...p, address: u.swarm.node?.address ?? null, listeners };
}

/**
 * Health of a running task that cannot be probed from here: Swarm's own verdict when the service
 * has a healthcheck (a running task has passed it), else unknown. Never "healthy" on a guess.
 */
export function healthFromSwarm(u: RuntimeUnit): Health {
  if (u.state !== "running") return u.state === "restarting" ? "starting" : "stopped";
  if (u.dockerHealth === "healthy") return "healthy";
  if (u.dockerHealth === "starting") return "starting";
  return "unknown";
}

/** The node, task and stats note a swarm unit adds to its process; nothing for a container. */
export function swarmFields(u: RuntimeUnit): Pick<SynapseProcess, "node" | "task" | "statsUnavailable"> {
  if (!u.swarm) return {};
  const hostname = u.swarm.node?.hostname;
  // Stats exist only on the node's own engine (the manager has none for a remote task).
  const statsUnavailable = u.state === "running" && hostname && !nodeEngine(hostname) ? `no stats: node engine not configured for ${hostname} (FLEET_SWARM_NODE_ENGINES)` : undefined;
  return { node: u.swarm.node, task: u.swarm.task, ...(statsUnavailable ? { statsUnavailable } : {}) };
}

/** A process pinned to a node that is down or drained: the warning names both. */
export function strandedWarning(name: string, u: RuntimeUnit | null, nodes: SwarmNode[] | null): string | null {
  if (!u?.placement?.length || !nodes) return null;
  const node = strandedOn(u.placement, nodes);
  if (!node) return null;
  const why = node.state !== "ready" ? `is ${node.state}` : "is drained";
  return `${name} is stranded: pinned to node ${node.hostname}, which ${why}; its task cannot run on any other node until the pin is lifted or the node is back`;
}

/**
 * An infrastructure service's name: a stack's services are `<stack>_<service>`; the part after the
 * stack is the name its peers use (`redis`, `postgres`), like a compose service.
 */
export function serviceName(u: RuntimeUnit): string {
  const compose = u.labels["com.docker.compose.service"];
  if (compose) return compose;
  const stack = u.labels["com.docker.stack.namespace"];
  return stack && u.name.startsWith(`${stack}_`) ? u.name.slice(stack.length + 1) : u.name;
}
