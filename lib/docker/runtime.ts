import "server-only";
import path from "node:path";
import type Docker from "dockerode";
import type { SwarmNode } from "@/lib/synapse/plan-schema";
import { docker, DockerUnavailableError, isUnreachable } from "./client";
import { swarmMode } from "./swarm/mode";
import { listSwarmUnits } from "./swarm/units";

/**
 * Where a process runs and how it is reached: a container, or on a swarm a service (its current
 * task's node, addresses and ports), in one shape so the domain does not tell them apart.
 */
export interface RuntimeUnit {
  id: string;
  name: string;
  image: string;
  state: string; // running | exited | created | restarting | paused | dead
  status: string; // the engine's human text, e.g. "Up 5 minutes (healthy)"
  dockerHealth: string | null; // healthy | unhealthy | starting, when the container has a healthcheck
  labels: Record<string, string>;
  argv: string[]; // entrypoint + command
  env: Record<string, string> | null; // null until inspected
  mounts: Array<{ source: string; destination: string }>;
  networks: Array<{ name: string; ip: string }>;
  ports: Array<{ container: number; host: number | null; protocol: string }>;
  createdAt: string;
  startedAt: string | null;
  /**
   * Set when the unit is a Swarm service (issue #15): `id` is then the service id, `state` comes from
   * its current task (lib/docker/swarm/state.ts), `networks` hold the task's overlay addresses and
   * `ports` the ports it publishes in host mode on `node`.
   */
  swarm?: {
    node: { id: string; hostname: string; address: string | null } | null;
    task: { id: string; state: string; error: string | null } | null;
  };
  /** A Swarm service's placement constraints (`node.hostname == node2`…): what keeps it on a node. */
  placement?: string[];
}

interface InspectCacheEntry {
  key: string;
  env: Record<string, string>;
  argv: string[];
  startedAt: string | null;
}

const inspectCache = new Map<string, InspectCacheEntry>();

/** Called by the event stream: the next listing re-inspects this container. */
export function forgetInspect(id: string): void {
  inspectCache.delete(id);
}

function healthFromStatus(status: string): string | null {
  const m = /\((healthy|unhealthy|health: starting)\)/.exec(status);
  if (!m) return null;
  return m[1] === "health: starting" ? "starting" : m[1];
}

/** The engine lists a published port once per address family (0.0.0.0 and ::); show it once. */
function uniquePorts(ports: Docker.Port[]): RuntimeUnit["ports"] {
  const seen = new Map<string, RuntimeUnit["ports"][number]>();
  for (const p of ports) {
    const port = { container: p.PrivatePort, host: p.PublicPort ?? null, protocol: p.Type };
    seen.set(`${port.container}/${port.protocol}/${port.host}`, port);
  }
  return [...seen.values()].sort((a, b) => a.container - b.container);
}

function fromListing(c: Docker.ContainerInfo): RuntimeUnit {
  return {
    id: c.Id,
    name: (c.Names?.[0] ?? c.Id).replace(/^\//, ""),
    image: c.Image,
    state: c.State,
    status: c.Status,
    dockerHealth: healthFromStatus(c.Status),
    labels: c.Labels ?? {},
    argv: c.Command ? c.Command.split(/\s+/).filter(Boolean) : [],
    env: null,
    mounts: (c.Mounts ?? []).map((m) => ({ source: m.Source, destination: m.Destination })),
    networks: Object.entries(c.NetworkSettings?.Networks ?? {}).map(([name, n]) => ({ name, ip: n.IPAddress })),
    ports: uniquePorts(c.Ports ?? []),
    createdAt: new Date(c.Created * 1000).toISOString(),
    startedAt: null,
  };
}

/** Every container of the engine, Swarm's task containers included. */
async function listContainerUnits(): Promise<RuntimeUnit[]> {
  try {
    const list = await docker().listContainers({ all: true });
    // Details of containers that are gone would stay cached for good (one per removed worker).
    const listed = new Set(list.map((c) => c.Id));
    for (const id of inspectCache.keys()) if (!listed.has(id)) inspectCache.delete(id);
    return list.map(fromListing);
  } catch (err) {
    if (isUnreachable(err)) throw new DockerUnavailableError(err);
    throw err;
  }
}

/**
 * What runs, and on a swarm its nodes (null otherwise). On a swarm: one unit per service, plus the
 * manager's own containers that are not tasks (a dashboard or a tool beside it): a task container
 * is already its service's unit, so the engine is asked for the others only (less to send and
 * parse), in the same round as the manager's calls. Containers: every container, stopped ones
 * included, one API call.
 */
export async function listRuntime(): Promise<{ units: RuntimeUnit[]; nodes: SwarmNode[] | null }> {
  const mode = await swarmMode().catch((err) => {
    if (isUnreachable(err)) throw new DockerUnavailableError(err);
    throw err;
  });
  if (!mode.swarm) return { units: await listContainerUnits(), nodes: null };
  // On a swarm the deployment is the swarm's services: operations act on them alone (the
  // ServiceRunner), so a container started by hand beside the stack is not one of its processes.
  const dir = process.env.SYNAPSE_CONFIG_DIR ? path.resolve(process.env.SYNAPSE_CONFIG_DIR) : null;
  return listSwarmUnits(docker(), dir);
}

/** Every container of the engine DOCKER_HOST names, task containers included (the dashboard's own, for one). */
export async function listContainers(): Promise<RuntimeUnit[]> {
  return listContainerUnits();
}

/**
 * Adds what only inspect knows (exact argv, environment, start time), or null when the container
 * is gone. Cached per container until an engine event about it arrives, so a steady topology
 * costs one listing.
 */
export async function withDetails(unit: RuntimeUnit): Promise<RuntimeUnit | null> {
  // A service's listing already carries its spec's argv and environment: nothing to inspect.
  if (unit.swarm) return unit;
  const key = `${unit.state}`;
  let entry = inspectCache.get(unit.id);
  if (!entry || entry.key !== key) {
    let info: Docker.ContainerInspectInfo;
    try {
      info = await docker().getContainer(unit.id).inspect();
    } catch (err) {
      // Removed between the listing and now (a worker being removed): it is simply gone.
      if ((err as { statusCode?: number }).statusCode === 404) return null;
      if (isUnreachable(err)) throw new DockerUnavailableError(err);
      throw err;
    }
    const argv = [...(info.Config.Entrypoint ? [info.Config.Entrypoint].flat() : []), ...(info.Config.Cmd ?? [])];
    const env: Record<string, string> = {};
    for (const e of info.Config.Env ?? []) {
      const i = e.indexOf("=");
      if (i > 0) env[e.slice(0, i)] = e.slice(i + 1);
    }
    const running = info.State.Running || info.State.Restarting;
    entry = { key, argv, env, startedAt: running ? info.State.StartedAt : null };
    inspectCache.set(unit.id, entry);
  }
  return { ...unit, argv: entry.argv, env: entry.env, startedAt: entry.startedAt };
}

export async function engineVersion(): Promise<{ version: string; apiVersion: string }> {
  try {
    const v = await docker().version();
    return { version: v.Version, apiVersion: v.ApiVersion };
  } catch (err) {
    if (isUnreachable(err)) throw new DockerUnavailableError(err);
    throw err;
  }
}
