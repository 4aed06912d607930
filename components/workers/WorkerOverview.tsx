"use client";

import Link from "next/link";
import type { SynapseProcess } from "@/lib/contract/topology";
import { Sparkline } from "@/components/topology/Sparkline";
import { useStatsHistory } from "@/components/topology/useLiveTopology";
import { formatBytes } from "@/components/ui/format";
import { useMetricsIndex } from "@/components/metrics/api";
import { MetricsGrid } from "@/components/metrics/MetricsGrid";

/** The panels a worker's page shows, in this order, when the API offers them (the Metrics screen has all). */
const WORKER_PANELS = ["requests", "latency", "errors", "cpu", "memory", "reactor"];

function Stat({ label, value, children }: { label: string; value: string; children: React.ReactNode }) {
  return (
    <div className="rounded-lg border border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900">
      <p className="text-xs text-zinc-500">{label}</p>
      <p className="text-lg font-semibold tabular-nums">{value}</p>
      <div className="mt-1 h-16 [&>div]:h-16">{children}</div>
    </div>
  );
}

const rate = (v: number | null | undefined) => (v == null ? "—" : `${formatBytes(Math.round(v))}/s`);

function WorkerPanels({ name }: { name: string }) {
  const index = useMetricsIndex();
  const panels = (index.data?.panels ?? []).filter((p) => WORKER_PANELS.includes(p.id)).sort((a, b) => WORKER_PANELS.indexOf(a.id) - WORKER_PANELS.indexOf(b.id));
  return (
    <section aria-labelledby="worker-metrics" className="flex flex-col gap-2">
      <div className="flex items-baseline gap-3">
        <h2 id="worker-metrics" className="text-xs font-semibold uppercase tracking-wide text-zinc-500">
          Last hour, from Prometheus
        </h2>
        <Link href={`/metrics?range=1h&workers=${encodeURIComponent(name)}`} className="ml-auto text-xs text-sky-700 hover:underline dark:text-sky-400">
          All panels in Metrics →
        </Link>
      </div>
      {index.error ? <p className="text-xs text-red-700 dark:text-red-300">The panels could not be listed: {index.error.message}</p> : null}
      {index.data ? <MetricsGrid panels={panels} range="1h" workers={[name]} prometheusUrl={index.data.prometheus.url} columns="narrow" /> : null}
    </section>
  );
}

/** Live resource use (from the dashboard's event stream), its Prometheus panels, and where the process runs. */
export function WorkerOverview({ process: p }: { process: SynapseProcess }) {
  const history = useStatsHistory(p.container?.id ?? null);
  const limit = p.stats?.memoryLimitBytes;
  return (
    <div className="flex flex-col gap-4">
      <div className="grid gap-3 sm:grid-cols-2 xl:grid-cols-4">
        <Stat label="CPU (% of one core)" value={p.stats ? `${p.stats.cpuPercent.toFixed(1)}%` : "—"}>
          <Sparkline values={history.map((s) => s.cpuPercent)} label={`${p.name} CPU`} colorClass="text-sky-500" />
        </Stat>
        <Stat label={`Memory${limit ? ` (limit ${formatBytes(limit)})` : ""}`} value={p.stats ? formatBytes(p.stats.memoryBytes) : "—"}>
          <Sparkline values={history.map((s) => s.memoryBytes)} label={`${p.name} memory`} colorClass="text-violet-500" />
        </Stat>
        <Stat label="Network received" value={rate(p.stats?.networkRxBytesPerSecond)}>
          <Sparkline values={history.map((s) => s.networkRxBytesPerSecond ?? NaN)} label={`${p.name} network received`} colorClass="text-emerald-500" />
        </Stat>
        <Stat label="Network sent" value={rate(p.stats?.networkTxBytesPerSecond)}>
          <Sparkline values={history.map((s) => s.networkTxBytesPerSecond ?? NaN)} label={`${p.name} network sent`} colorClass="text-amber-500" />
        </Stat>
      </div>
      {!history.length ? <p className="text-xs text-zinc-500">Resource samples arrive every few seconds while the process runs.</p> : null}
      <WorkerPanels name={p.name} />
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
    </div>
  );
}
