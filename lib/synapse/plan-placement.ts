import type { WorkerKind } from "./catalogue";
import type { Draft } from "./plan-draft";
import { PlanError, type Placement, type SwarmNode } from "./plan-schema";

/**
 * Where a new worker runs on a Docker Swarm (issue #15 §3), decided while planning so a refusal
 * touches nothing. Plain containers run on the one engine: a placement there is refused.
 *
 * - `node` is where the worker starts (the runner relaxes the constraint once it runs, unless `pin`);
 *   it must be a known node that is active and ready.
 * - `labels` stay as constraints: some active, ready node must carry them all.
 * - Without `node`, the worker goes to the eligible node with the fewest Synapse processes (planned
 *   ones counted), ties by hostname: a type's workers spread over the cluster.
 * - A media worker must reach the media store. Unless it is declared shared
 *   (`settings.sharedMediaStore`), it is a volume on main's node: the worker is pinned there, and any
 *   other node is refused.
 */

function refuse(reason: string, message: string, details: Record<string, unknown> = {}): never {
  throw new PlanError("unprocessable", message, { reason, ...details });
}

function usable(n: SwarmNode): boolean {
  return n.availability === "active" && n.state === "ready";
}

function describeNodes(nodes: SwarmNode[]): string {
  return nodes.map((n) => `${n.hostname} (${n.state === "ready" ? n.availability : n.state})`).join(", ");
}

function findNode(nodes: SwarmNode[], ref: string): SwarmNode | null {
  return nodes.find((n) => n.hostname === ref) ?? nodes.find((n) => n.id === ref) ?? null;
}

function carries(n: SwarmNode, labels: Record<string, string> | undefined): boolean {
  return Object.entries(labels ?? {}).every(([k, v]) => n.labels[k] === v);
}

/** How many Synapse processes each node runs or will run once the draft is applied. */
function processCounts(draft: Draft): Map<string, number> {
  const counts = new Map<string, number>();
  const removed = new Set(draft.removed.map((w) => w.name));
  const bump = (node: string | undefined) => {
    if (node) counts.set(node, (counts.get(node) ?? 0) + 1);
  };
  for (const p of draft.ctx.snapshot.processes) if (!removed.has(p.name)) bump(p.container?.placement?.node);
  for (const a of draft.added) bump(a.spec.placement?.node);
  return counts;
}

/** The node main runs on: where its media store lives when that is a local volume. */
export function mainNode(draft: Draft): string | null {
  return draft.dep.main?.container?.placement?.node ?? null;
}

export function placeWorker(draft: Draft, kind: WorkerKind, requested: Placement | undefined): Placement | undefined {
  const nodes = draft.ctx.snapshot.nodes;
  if (!nodes) {
    if (requested) refuse("single_host", "placement applies to workers on a Docker Swarm; this deployment runs plain containers on one engine");
    return undefined;
  }
  const known = nodes.map((n) => n.hostname);
  let start: SwarmNode | null = null;
  if (requested?.node) {
    start = findNode(nodes, requested.node);
    if (!start) refuse("unknown_node", `there is no node ${requested.node}; the swarm's nodes are ${describeNodes(nodes)}`, { nodes: known });
    if (!usable(start)) refuse("node_unavailable", `node ${start.hostname} is ${start.state === "ready" ? start.availability : start.state}: it takes no new tasks`, { nodes: known });
    if (!carries(start, requested.labels)) refuse("labels_unmatched", `node ${start.hostname} does not carry ${labelText(requested.labels)}`, { nodes: known });
  }
  const eligible = nodes.filter((n) => usable(n) && carries(n, requested?.labels));
  if (eligible.length === 0) refuse("labels_unmatched", `no active, ready node carries ${labelText(requested?.labels)}; the swarm's nodes are ${describeNodes(nodes)}`, { nodes: known });

  if (kind === "media" && !draft.ctx.settings?.sharedMediaStore) {
    const store = mainNode(draft);
    if (!store) refuse("media_store_unknown", "main's node is unknown, so a media worker cannot be put beside its media store (declare the store shared: FLEET_SWARM_SHARED_MEDIA=1)");
    if (start && start.hostname !== store)
      refuse("media_store_node", `a media worker must run on ${store}, where main's media store is (a local volume); declare the store shared (FLEET_SWARM_SHARED_MEDIA=1) to place it elsewhere`, { nodes: known });
    const node = findNode(nodes, store);
    if (node && !usable(node)) refuse("node_unavailable", `node ${store}, where the media store is, is ${node.state === "ready" ? node.availability : node.state}`, { nodes: known });
    return { node: store, pin: true, ...(requested?.labels ? { labels: requested.labels } : {}) };
  }

  if (!start) {
    const counts = processCounts(draft);
    start = [...eligible].sort((a, b) => (counts.get(a.hostname) ?? 0) - (counts.get(b.hostname) ?? 0) || a.hostname.localeCompare(b.hostname))[0];
  }
  return { node: start.hostname, ...(requested?.pin ? { pin: true } : {}), ...(requested?.labels ? { labels: requested.labels } : {}) };
}

function labelText(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {});
  return entries.length === 0 ? "no label" : entries.map(([k, v]) => `${k}=${v}`).join(", ");
}

/**
 * Host binds on a swarm: the runner turns files of the config dir into Swarm objects; any other
 * host path would have to exist on every node, and Swarm never creates one (moby/moby#28416).
 */
export function refuseHostBinds(draft: Draft, binds: string[]): void {
  if (!draft.ctx.snapshot.nodes) return;
  const dir = draft.ctx.settings?.configDir?.replace(/\/+$/, "");
  for (const b of binds) {
    const source = b.split(":")[0];
    if (!source.startsWith("/")) continue; // a named volume
    if (dir && (source === dir || source.startsWith(`${dir}/`))) continue;
    refuse("host_bind", `a worker on a swarm cannot bind ${source} from the host: only files of the config directory reach every node (as Swarm configs and secrets)`, { bind: b });
  }
}
