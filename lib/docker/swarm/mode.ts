import "server-only";
import Docker from "dockerode";
import { parseSynapseCommand } from "@/lib/synapse/command";
import { docker, DockerUnavailableError, isUnreachable } from "../client";

/**
 * Whether the deployment runs as Swarm services (issue #15 §1): the engine the dashboard talks to
 * is a swarm manager and Synapse's main process is one of its services. Then discovery lists
 * services and tasks, and operations go through the ServiceRunner; otherwise plain containers.
 */

export interface SwarmMode {
  swarm: boolean;
  /** The main process's service id, when `swarm`. */
  mainServiceId: string | null;
}

const TTL_MS = 10_000;
let cached: { at: number; value: Promise<SwarmMode> } | null = null;

/** Service argv: the container spec's Command (entrypoint) then its Args. */
export function serviceArgv(spec: { Command?: string[]; Args?: string[] } | undefined): string[] {
  return [...(spec?.Command ?? []), ...(spec?.Args ?? [])];
}

async function detect(api: Docker): Promise<SwarmMode> {
  const none = { swarm: false, mainServiceId: null };
  let info: { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
  try {
    info = await api.info();
  } catch (err) {
    if (isUnreachable(err)) throw new DockerUnavailableError(err);
    throw err;
  }
  if (info.Swarm?.LocalNodeState !== "active" || !info.Swarm.ControlAvailable) return none;
  const services = (await api.listServices()) as Array<{
    ID: string;
    Spec?: { TaskTemplate?: { ContainerSpec?: { Command?: string[]; Args?: string[]; Env?: string[] } } };
  }>;
  const main = services.find((s) => {
    const cs = s.Spec?.TaskTemplate?.ContainerSpec;
    return parseSynapseCommand(serviceArgv(cs), {})?.app === "synapse.app.homeserver";
  });
  return main ? { swarm: true, mainServiceId: main.ID } : none;
}

/** Cached for 10 s: a deployment does not move between containers and services often. */
export function swarmMode(api: Docker = docker()): Promise<SwarmMode> {
  if (process.env.FLEET_RUNTIME === "containers") return Promise.resolve({ swarm: false, mainServiceId: null });
  if (cached && Date.now() - cached.at < TTL_MS) return cached.value;
  const value = detect(api);
  cached = { at: Date.now(), value };
  value.catch(() => (cached = null));
  return value;
}

/** Forget the cached answer (tests; after a rollback that changes how main runs). */
export function forgetSwarmMode(): void {
  cached = null;
}

const engines = new Map<string, Docker>();

/**
 * The engines of individual nodes, for what only a node has: a task's container stats, logs and
 * SIGHUP. `FLEET_SWARM_NODE_ENGINES=node1=unix:///…/docker.sock,node2=tcp://10.0.0.2:2376,…`,
 * keyed by hostname. Null when the node is not listed (callers fall back to the manager's API).
 */
export function nodeEngine(hostname: string): Docker | null {
  const spec = process.env.FLEET_SWARM_NODE_ENGINES ?? "";
  for (const entry of spec.split(",")) {
    const i = entry.indexOf("=");
    if (i <= 0 || entry.slice(0, i).trim() !== hostname) continue;
    const url = entry.slice(i + 1).trim();
    let api = engines.get(url);
    if (!api) {
      api = url.startsWith("unix://") ? new Docker({ socketPath: url.slice("unix://".length) }) : new Docker({ host: new URL(url).hostname, port: Number(new URL(url).port) || 2375 });
      engines.set(url, api);
    }
    return api;
  }
  return null;
}
