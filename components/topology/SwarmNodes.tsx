"use client";

import type { Health, Topology } from "@/lib/contract/topology";
import { Badge } from "@/components/ui/Badge";
import { StatusDot } from "@/components/ui/StatusDot";

type SwarmNode = NonNullable<Topology["nodes"]>[number];

/** A node's dot: ready and active is well; drained or paused is on purpose (grey); anything else is not. */
function nodeHealth(n: SwarmNode): Health {
  if (n.state !== "ready") return n.state === "unknown" ? "unknown" : "unhealthy";
  return n.availability === "active" ? "healthy" : "stopped";
}

/** The swarm's nodes, each with how many Synapse processes run on it now (issue #15 §4). */
export function SwarmNodes({ t }: { t: Topology }) {
  if (!t.nodes) return null;
  const count = (id: string) => t.processes.filter((p) => p.node?.id === id && p.state === "running").length;
  return (
    <section aria-labelledby="nodes-title">
      <h2 id="nodes-title" className="mb-2 text-xs font-semibold uppercase tracking-wide text-zinc-500">
        Swarm nodes <span className="font-normal">({t.nodes.length})</span>
      </h2>
      <ul className="flex flex-wrap gap-3">
        {t.nodes.map((n) => (
          <li
            key={n.id}
            aria-label={`Node ${n.hostname}`}
            data-state={n.state}
            data-availability={n.availability}
            className="flex min-w-52 flex-col gap-1 rounded-lg border border-zinc-200 bg-white px-3 py-2 text-xs dark:border-zinc-800 dark:bg-zinc-900"
          >
            <div className="flex items-center gap-2">
              <StatusDot health={nodeHealth(n)} />
              <span className="font-mono text-[13px] font-semibold">{n.hostname}</span>
              <Badge tone={n.role === "manager" ? "sky" : "zinc"}>{n.role}</Badge>
              <span className="ml-auto tabular-nums text-zinc-600 dark:text-zinc-400" data-testid="node-processes" title="Synapse processes running on this node">
                {count(n.id)} Synapse
              </span>
            </div>
            <div className="flex flex-wrap gap-x-3 text-zinc-600 dark:text-zinc-400">
              <span data-testid="node-state">{n.state}</span>
              <span data-testid="node-availability" className={n.availability === "active" ? "" : "font-medium text-amber-700 dark:text-amber-300"}>
                {n.availability}
              </span>
              <span className="font-mono text-[11px]">{n.address ?? "no address"}</span>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
