"use client";

import type { SynapseProcess } from "@/lib/api/schemas/topology";
import { Sparkline } from "@/components/topology/Sparkline";
import { useStatsHistory } from "@/components/topology/useLiveTopology";
import { formatBytes } from "@/components/ui/format";

function Stat({ label, value, children }: { label: string; value: string; children: React.ReactNode }) {
  return (
    <div className="rounded-lg border border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900">
      <p className="text-xs text-zinc-500">{label}</p>
      <p className="text-lg font-semibold tabular-nums">{value}</p>
      <div className="mt-1 h-16 [&>div]:h-16">{children}</div>
    </div>
  );
}

/** Live resource use (from the dashboard's event stream) and where the process runs. */
export function WorkerOverview({ process: p }: { process: SynapseProcess }) {
  const history = useStatsHistory(p.container?.id ?? null);
  const limit = p.stats?.memoryLimitBytes;
  return (
    <div className="flex flex-col gap-3">
      <div className="grid gap-3 sm:grid-cols-2">
        <Stat label="CPU (% of one core)" value={p.stats ? `${p.stats.cpuPercent.toFixed(1)}%` : "—"}>
          <Sparkline values={history.map((s) => s.cpuPercent)} label={`${p.name} CPU`} colorClass="text-sky-500" />
        </Stat>
        <Stat label={`Memory${limit ? ` (limit ${formatBytes(limit)})` : ""}`} value={p.stats ? formatBytes(p.stats.memoryBytes) : "—"}>
          <Sparkline values={history.map((s) => s.memoryBytes)} label={`${p.name} memory`} colorClass="text-violet-500" />
        </Stat>
      </div>
      <dl className="grid grid-cols-[8rem_1fr] gap-x-3 gap-y-1 rounded-lg border border-zinc-200 bg-white p-3 text-xs dark:border-zinc-800 dark:bg-zinc-900">
        <dt className="text-zinc-500">Worker file</dt>
        <dd className="font-mono">{p.configFile ?? "homeserver.yaml (main)"}</dd>
        <dt className="text-zinc-500">App</dt>
        <dd className="font-mono">{p.app}</dd>
        <dt className="text-zinc-500">Container</dt>
        <dd className="font-mono">{p.container ? `${p.container.name} · ${p.container.id.slice(0, 12)}` : "none"}</dd>
        <dt className="text-zinc-500">Image</dt>
        <dd className="font-mono">{p.container?.image ?? "—"}</dd>
        <dt className="text-zinc-500">Started</dt>
        <dd>{p.container?.startedAt ? new Date(p.container.startedAt).toLocaleString() : "not running"}</dd>
        <dt className="text-zinc-500">Address</dt>
        <dd className="font-mono">{p.address ?? "—"}</dd>
      </dl>
      {!history.length ? <p className="text-xs text-zinc-500">Resource samples arrive every few seconds while the process runs.</p> : null}
    </div>
  );
}
