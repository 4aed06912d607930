import type { QueryClient } from "@tanstack/react-query";
import type { LiveEvent, StatsSample, Topology } from "@/lib/contract/topology";

/**
 * How the browser's copy of the topology follows the server's event stream, as pure functions:
 * kept apart from the hook (useLiveTopology.ts) so the rules can be tested without a page.
 */

export const topologyKey = ["topology"] as const;

/** Samples kept per container for a sparkline. */
export const STATS_HISTORY = 30;

/** Applies one live event to the cached topology; returns null when only a refetch can tell. */
export function applyLiveEvent(t: Topology, e: LiveEvent): Topology | null {
  // A node's state decides stranded flags and counts the server works out: only a refetch can tell.
  if (e.type === "engine" || e.type === "node") return null;
  const hit = t.processes.some((p) => p.container?.id === e.containerId) || t.services.some((s) => s.containerId === e.containerId);
  // A container we do not know that is created or started may be a new process: only discovery can say.
  if (!hit) return e.type === "container" && (e.action === "create" || e.action === "start") ? null : t;
  if (e.type === "container") {
    if (e.state === null) return t;
    if (e.state === "removed") return null;
    return {
      ...t,
      processes: t.processes.map((p) =>
        p.container?.id === e.containerId
          ? { ...p, state: e.state!, health: e.state === "running" ? "starting" : "stopped", stats: e.state === "running" ? p.stats : null, container: { ...p.container, startedAt: e.state === "running" ? new Date(e.time).toISOString() : null } }
          : p,
      ),
      services: t.services.map((s) => (s.containerId === e.containerId ? { ...s, state: e.state!, health: e.state === "running" ? "healthy" : "stopped" } : s)),
    };
  }
  if (e.type === "placement") {
    // A service's task moved: the card follows it to its node without a reload.
    return {
      ...t,
      processes: t.processes.map((p) => (p.container?.id === e.containerId ? { ...p, node: e.node, task: e.task, address: e.address } : p)),
      services: t.services.map((s) => (s.containerId === e.containerId ? { ...s, node: e.node } : s)),
    };
  }
  if (e.type === "health") {
    return { ...t, processes: t.processes.map((p) => (p.container?.id === e.containerId ? { ...p, health: e.health } : p)) };
  }
  return { ...t, processes: t.processes.map((p) => (p.container?.id === e.containerId ? { ...p, stats: e.sample } : p)) };
}

/** Puts the event into react-query's cached topology, or marks it stale when only a refetch can tell. */
export function applyEventToCache(qc: QueryClient, e: LiveEvent): void {
  const current = qc.getQueryData<Topology>(topologyKey);
  // Nothing fetched yet: the first fetch will be current, unless the event says the world changed
  // since it began (the engine back, a node, the swarm's first read): then it is asked again.
  if (!current) {
    if (e.type === "engine" || e.type === "node") void qc.invalidateQueries({ queryKey: topologyKey });
    return;
  }
  const next = applyLiveEvent(current, e);
  if (next === null) void qc.invalidateQueries({ queryKey: topologyKey });
  else if (next !== current) qc.setQueryData(topologyKey, next);
}

/** A container's samples with one more, the oldest dropped past `STATS_HISTORY`; a new array (React compares by reference). */
export function appendSample(list: readonly StatsSample[], s: StatsSample): StatsSample[] {
  return [...list, s].slice(-STATS_HISTORY);
}
/**
 * Every event type /api/events sends: an SSE event is delivered only to listeners of its type, so a
 * type missing here is silently dropped (cache.test.ts checks this list against the schema). Kept
 * out of the zod schema so the page does not load zod for it.
 */
export const liveEventTypes: ReadonlyArray<LiveEvent["type"]> = ["container", "health", "stats", "engine", "placement", "node"];
