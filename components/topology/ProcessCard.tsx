"use client";

import Link from "next/link";
import type { SynapseProcess } from "@/lib/contract/topology";
import { workerTypeLabels } from "@/lib/synapse/types";
import { Badge } from "@/components/ui/Badge";
import { StatusDot, healthForDisplay } from "@/components/ui/StatusDot";
import { formatBytes, formatUptime } from "@/components/ui/format";
import { Sparkline } from "./Sparkline";
import { ProcessCardMenu } from "./ProcessCardMenu";
import { useStatsHistory } from "./useLiveTopology";

const typeTone = {
  main: "sky",
  media: "violet",
  federation_sender: "amber",
  event_persister: "rose",
  stream_writer: "emerald",
} as const;

function listenerText(p: SynapseProcess): string[] {
  return p.listeners.map((l) => `${l.port} ${l.type === "metrics" ? "metrics" : l.resources.join("+") || l.type}`);
}

/** One Synapse process: who it is, what it does, whether it is well, and what it costs. */
export function ProcessCard({
  process: p,
  now,
  canOperate = false,
  linkName = true,
}: {
  process: SynapseProcess;
  now: number;
  canOperate?: boolean;
  /** The name links to the worker's page (off on that page itself). */
  linkName?: boolean;
}) {
  const history = useStatsHistory(p.container?.id ?? null);
  const health = healthForDisplay(p.health, p.state);
  const uptime = p.state === "running" ? formatUptime(p.container?.startedAt ?? null, now) : null;
  const published = p.ports.filter((x) => x.host).map((x) => `${x.host}→${x.container}`);
  return (
    <article
      aria-label={p.name}
      data-state={p.state}
      data-health={p.health}
      className="flex w-64 flex-col gap-2 rounded-lg border border-zinc-200 bg-white p-3 shadow-sm dark:border-zinc-800 dark:bg-zinc-900"
    >
      <header className="flex flex-col gap-1">
        <div className="flex items-center gap-2">
          <StatusDot health={health} />
          <h3 className="truncate font-mono text-[13px] font-semibold" title={p.name}>
            {linkName ? (
              <Link href={`/workers/${encodeURIComponent(p.name)}`} className="hover:underline">
                {p.name}
              </Link>
            ) : (
              p.name
            )}
          </h3>
          <ProcessCardMenu process={p} canOperate={canOperate} />
        </div>
        <div className="flex flex-wrap gap-1">
          <Badge tone={(typeTone as Record<string, "sky" | "violet" | "amber" | "rose" | "emerald">)[p.type] ?? "zinc"}>{workerTypeLabels[p.type]}</Badge>
          {p.stranded ? (
            <Badge tone="rose" title="Pinned to a node that is down or drained: its task cannot run on any other node (see Warnings)">
              stranded
            </Badge>
          ) : null}
        </div>
      </header>

      <dl className="grid grid-cols-[4.5rem_1fr] gap-x-2 gap-y-1 text-xs">
        <dt className="text-zinc-500">State</dt>
        <dd data-testid="state">
          {p.state}
          {uptime ? <span className="text-zinc-500"> · up {uptime}</span> : null}
        </dd>
        <dt className="text-zinc-500">Health</dt>
        <dd data-testid="health">{p.health}</dd>
        {p.streams.length > 0 ? (
          <>
            <dt className="text-zinc-500">Writes</dt>
            <dd className="flex flex-wrap gap-1" aria-label="stream writer for">
              {p.streams.map((s) => (
                <Badge key={s} tone="emerald">
                  {s}
                </Badge>
              ))}
            </dd>
          </>
        ) : null}
        <dt className="text-zinc-500">Listeners</dt>
        <dd className="font-mono text-[11px]">
          {p.listeners.length === 0 ? "—" : listenerText(p).map((l) => <span key={l} className="block whitespace-nowrap">{l}</span>)}
        </dd>
        {published.length > 0 ? (
          <>
            <dt className="text-zinc-500">Published</dt>
            <dd className="font-mono text-[11px]">{published.join(", ")}</dd>
          </>
        ) : null}
        {p.node !== undefined ? (
          <>
            <dt className="text-zinc-500">Node</dt>
            <dd className="truncate font-mono text-[11px]" data-testid="node" title={p.node ? `${p.node.hostname} (${p.node.address ?? "no address"})${p.task ? `, task ${p.task.state}` : ""}` : "not placed"}>
              {p.node?.hostname ?? (p.task ? `none (task ${p.task.state})` : "none")}
              {p.task?.error ? <span className="block truncate text-rose-700 dark:text-rose-300" title={p.task.error}>{p.task.error}</span> : null}
            </dd>
          </>
        ) : null}
        <dt className="text-zinc-500">{p.node !== undefined ? "Service" : "Container"}</dt>
        <dd className="truncate font-mono text-[11px]" title={p.container ? `${p.container.name} (${p.container.image})` : "no container"}>
          {p.container?.name ?? "none"}
        </dd>
      </dl>

      {p.statsUnavailable ? (
        // A Swarm task on a node whose engine the dashboard was not given: its stats exist only there.
        <p className="border-t border-zinc-100 pt-2 text-[11px] text-zinc-500 dark:border-zinc-800" data-testid="stats-unavailable" title={p.statsUnavailable}>
          No stats: node engine not configured
        </p>
      ) : (
        <footer className="grid grid-cols-2 gap-3 border-t border-zinc-100 pt-2 text-xs dark:border-zinc-800">
          <div title="CPU, % of one core">
            <p className="tabular-nums text-zinc-600 dark:text-zinc-400">CPU {p.stats ? `${p.stats.cpuPercent.toFixed(1)}%` : "—"}</p>
            <Sparkline values={history.map((s) => s.cpuPercent)} label={`${p.name} CPU`} colorClass="text-sky-500" />
          </div>
          <div title="Resident memory">
            <p className="tabular-nums text-zinc-600 dark:text-zinc-400">Memory {p.stats ? formatBytes(p.stats.memoryBytes) : "—"}</p>
            <Sparkline values={history.map((s) => s.memoryBytes)} label={`${p.name} memory`} colorClass="text-violet-500" />
          </div>
        </footer>
      )}
    </article>
  );
}
