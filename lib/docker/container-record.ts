import type Docker from "dockerode";
import type { ContainerSpec, EngineRecord } from "@/lib/synapse/plan-schema";

/**
 * The engine's definition of a container beyond a spec's typed fields, read from inspect and given
 * back at create time. A deny-list, not an allow-list: a field the engine adds later is recorded
 * and re-created without a code change. Left out, and why:
 *   Config     Image, Entrypoint, Cmd, Env, Labels, User: typed fields of the spec (env stays there,
 *              where masking knows its names); Hostname when it is the container's own short id
 *              (the engine's default, a new container gets its own); ExposedPorts of published
 *              ports (typed `ports` re-expose them, so a port the planner moves is not kept too).
 *   HostConfig Binds, NanoCpus, Memory: typed; PortBindings the typed `ports` carry (TCP to a fixed
 *              host port); RestartPolicy.Name is typed (its MaximumRetryCount is kept).
 *   Endpoints  Aliases (typed), and what the engine assigns: NetworkID, EndpointID, Gateway,
 *              IPAddress, IPPrefixLen, IPv6Gateway, GlobalIPv6*, MacAddress, DNSNames.
 *   Anything outside Config and HostConfig (Id, Created, State, Image id, *Path, GraphDriver…) is
 *   the engine's own bookkeeping, not part of what create takes.
 * Null values are dropped: the create API reads null and absent alike.
 */

type Json = Record<string, unknown>;

const CONFIG_TYPED = new Set(["Image", "Entrypoint", "Cmd", "Env", "Labels", "User"]);
const HOST_CONFIG_TYPED = new Set(["Binds", "NanoCpus", "Memory"]);
const ENDPOINT_ASSIGNED = new Set([
  "Aliases", "NetworkID", "EndpointID", "Gateway", "IPAddress", "IPPrefixLen", "IPv6Gateway", "GlobalIPv6Address", "GlobalIPv6PrefixLen", "MacAddress", "DNSNames",
]);

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The entries of an engine object minus some keys and every null. */
function without(source: unknown, left: Set<string>): Json {
  if (!isObject(source)) return {};
  return Object.fromEntries(Object.entries(source).filter(([k, v]) => v !== null && v !== undefined && !left.has(k)));
}

export const portKey = (port: number) => `${port}/tcp`;

type Binding = { HostIp?: string; HostPort?: string };

/** A binding the typed `ports` carry: TCP to a fixed host port. */
export function isTypedBinding(key: string, b: Binding): boolean {
  const host = Number(b.HostPort);
  return /^\d+\/tcp$/.test(key) && Number.isInteger(host) && host > 0;
}

/** Inspect shows a legacy link as `/target:/self/alias`; create takes `target:alias`. */
function createLink(link: string): string {
  const [target, alias = ""] = link.split(":");
  const name = target.replace(/^\//, "");
  const short = alias.slice(alias.lastIndexOf("/") + 1);
  return short ? `${name}:${short}` : name;
}

/** Everything of Config and HostConfig that create takes and the typed fields do not carry. */
export function engineRecordFromInspect(info: Docker.ContainerInspectInfo): EngineRecord {
  const config = without(info.Config, CONFIG_TYPED);
  if (config.Hostname === info.Id.slice(0, 12)) delete config.Hostname;
  const publishedKeys = new Set<string>();
  const hostConfig = without(info.HostConfig, HOST_CONFIG_TYPED);

  const rest: Record<string, Binding[]> = {};
  for (const [key, list] of Object.entries((info.HostConfig?.PortBindings ?? {}) as Record<string, Binding[] | null>)) {
    for (const b of list ?? []) {
      if (isTypedBinding(key, b)) publishedKeys.add(key);
      else (rest[key] ??= []).push(b);
    }
  }
  if (Object.keys(rest).length > 0) hostConfig.PortBindings = rest;
  else delete hostConfig.PortBindings;

  if (isObject(config.ExposedPorts)) {
    const exposed = Object.fromEntries(Object.entries(config.ExposedPorts).filter(([k]) => !publishedKeys.has(k)));
    if (Object.keys(exposed).length > 0) config.ExposedPorts = exposed;
    else delete config.ExposedPorts;
  }
  if (Array.isArray(hostConfig.Links)) hostConfig.Links = (hostConfig.Links as string[]).map(createLink);
  if (Array.isArray(hostConfig.Mounts)) hostConfig.Mounts = (hostConfig.Mounts as Json[]).map((m) => namedVolume(m, info.Mounts ?? []));
  return { config, hostConfig };
}

/** A `--mount type=volume` without a source made an anonymous volume: name it, so its data comes back. */
function namedVolume(mount: Json, mounts: Docker.ContainerInspectInfo["Mounts"]): Json {
  if (mount.Type !== "volume" || mount.Source) return mount;
  const made = mounts.find((m) => m.Type === "volume" && m.Destination === mount.Target && m.Name);
  return made ? { ...mount, Source: made.Name } : mount;
}

/** Targets of HostConfig.Mounts: those mounts are recorded there, not again as binds. */
export function mountTargets(info: Docker.ContainerInspectInfo): Set<string> {
  const list = ((info.HostConfig as { Mounts?: Array<{ Target?: string }> } | undefined)?.Mounts ?? []) as Array<{ Target?: string }>;
  return new Set(list.map((m) => m.Target ?? ""));
}

/** An endpoint's settings beyond its aliases and what the engine assigns; undefined when none. */
export function endpointRecord(settings: unknown): Json | undefined {
  const rec = without(settings, ENDPOINT_ASSIGNED);
  return Object.keys(rec).length > 0 ? rec : undefined;
}

/** An endpoint to create or connect with: its recorded settings, its aliases winning. */
export function endpointConfig(network: ContainerSpec["networks"][number]): Json {
  return { ...(network.endpoint ?? {}), Aliases: network.aliases };
}

/**
 * Config and HostConfig for create: the recorded fields with the typed ones on top. A recorded
 * value that contradicts a typed one the planner changed is left to the engine to derive, so the
 * engine does not refuse the pair (a CPU quota beside NanoCpus, a swap limit below the memory
 * limit, a retry count with a policy other than on-failure).
 */
export function createFields(spec: ContainerSpec): { config: Json; hostConfig: Json } {
  const recorded = spec.engine ?? { config: {}, hostConfig: {} };
  const exposed: Json = { ...(isObject(recorded.config.ExposedPorts) ? recorded.config.ExposedPorts : {}) };
  const bindings: Record<string, Binding[]> = {};
  for (const [key, list] of Object.entries(isObject(recorded.hostConfig.PortBindings) ? recorded.hostConfig.PortBindings : {})) {
    bindings[key] = [...((list as Binding[] | null) ?? [])];
  }
  for (const p of spec.ports) {
    exposed[portKey(p.container)] = {};
    (bindings[portKey(p.container)] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.host) });
  }
  const restart: Json = { ...(isObject(recorded.hostConfig.RestartPolicy) ? recorded.hostConfig.RestartPolicy : {}), Name: spec.restartPolicy || "no" };
  if (restart.Name !== "on-failure") delete restart.MaximumRetryCount;
  const hostConfig: Json = {
    ...recorded.hostConfig,
    Binds: spec.binds.length > 0 ? spec.binds : undefined, // none is null in inspect, as a plain create leaves it
    RestartPolicy: restart,
    NanoCpus: spec.resources.nanoCpus ?? undefined,
    Memory: spec.resources.memoryBytes ?? undefined,
    PortBindings: bindings,
    NetworkMode: networkMode(spec, recorded.hostConfig.NetworkMode),
  };
  if (spec.resources.nanoCpus) for (const k of ["CpuPeriod", "CpuQuota"]) if (Number(hostConfig[k] ?? 0) !== 0) delete hostConfig[k];
  const memory = spec.resources.memoryBytes ?? 0;
  const swap = Number(hostConfig.MemorySwap ?? 0);
  if (swap > 0 && (memory === 0 || swap < memory)) delete hostConfig.MemorySwap;
  if (memory > 0 && Number(hostConfig.MemoryReservation ?? 0) > memory) delete hostConfig.MemoryReservation;
  return { config: { ...recorded.config, ExposedPorts: exposed }, hostConfig };
}

/** The first network names the mode, except "default" (the engine's word for bridge) and modes without networks. */
function networkMode(spec: ContainerSpec, recorded: unknown): string | undefined {
  const first = spec.networks[0]?.name;
  if (recorded === "default" && first === "bridge") return "default";
  return first ?? (typeof recorded === "string" && recorded !== "" ? recorded : undefined);
}
