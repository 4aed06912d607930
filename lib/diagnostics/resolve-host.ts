import { isIP } from "node:net";
import type { UnitFacts } from "./model";

/**
 * homeserver.yaml names hosts as the containers see them (`redis`, `postgres`: compose DNS names).
 * The dashboard runs on the host, where those names mean nothing: a name is resolved to the
 * address of the container that carries it as its name, compose service or network alias on one
 * of main's networks. A name no container carries is tried as a host name from the dashboard.
 */

export interface ResolvedHost {
  /** Where to connect from the dashboard; null when the container behind the name is not running. */
  address: string | null;
  /** The container behind the name, when one is. */
  container: { id: string; name: string; state: string } | null;
  /** One line of evidence: how the name was resolved. */
  how: string;
}

interface Deps {
  /** Main's container (or any Synapse container): its networks are where the name is looked up. */
  anchor: UnitFacts | null;
  units: UnitFacts[];
  /** Network aliases of a container, from inspect (the listing does not carry them). */
  aliasesOf(id: string): Promise<Array<{ name: string; aliases: string[] }>>;
}

/** At most this many containers are inspected for aliases: a busy engine must not slow a check. */
const MAX_INSPECTED = 40;

export async function resolveHost(host: string, deps: Deps): Promise<ResolvedHost> {
  const nets = new Set((deps.anchor?.networks ?? []).map((n) => n.name));
  const onNet = deps.units.filter((u) => u.networks.some((n) => nets.has(n.name)));
  if (isIP(host)) {
    const u = deps.units.find((x) => x.networks.some((n) => n.ip === host)) ?? null;
    return { address: host, container: u ? ref(u) : null, how: `${host} is an address${u ? ` (container ${u.name})` : ""}` };
  }
  // A stack's service is named <stack>_<service> and answers to <service> on the stack's networks.
  const stackName = (u: UnitFacts) => (u.labels["com.docker.stack.namespace"] ? `${u.labels["com.docker.stack.namespace"]}_${host}` : null);
  const found = (host: string) => (u: UnitFacts) => u.name === host || u.labels["com.docker.compose.service"] === host || u.name === stackName(u);
  let unit = onNet.find(found(host)) ?? null;
  if (!unit) {
    const inspected = await Promise.all(
      onNet.slice(0, MAX_INSPECTED).map(async (u) => ({ u, nets: await deps.aliasesOf(u.id).catch(() => []) })),
    );
    unit = inspected.find((x) => x.nets.some((n) => nets.has(n.name) && n.aliases.includes(host)))?.u ?? null;
  }
  if (!unit) {
    return {
      address: host,
      container: null,
      how: nets.size > 0
        ? `no container on ${[...nets].join(", ")} is named or aliased ${host}: tried as a host name from the dashboard`
        : `main's container is not known: ${host} tried as a host name from the dashboard`,
    };
  }
  const net = unit.networks.find((n) => nets.has(n.name) && n.ip);
  if (unit.state !== "running" || !net) {
    return { address: null, container: ref(unit), how: `${host} is the container ${unit.name}, which is ${unit.state}` };
  }
  return { address: net.ip, container: ref(unit), how: `${host} is the container ${unit.name} (${net.ip} on ${net.name})` };
}

function ref(u: UnitFacts): { id: string; name: string; state: string } {
  return { id: u.id, name: u.name, state: u.state };
}
