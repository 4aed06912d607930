"use client";

import { useMemo } from "react";
import { ProcessPicker, usePickableProcesses, type PickableProcess } from "@/components/logs/ProcessPicker";
import { useLiveTopology } from "@/components/topology/useLiveTopology";
import { useMetricsIndex } from "./api";
import { MetricsGrid } from "./MetricsGrid";
import { PrometheusSource } from "./PrometheusSource";
import { RangePicker } from "./RangePicker";
import { useMetricsUrlState } from "./useMetricsUrlState";

/**
 * Picker tokens → process names for the API: null = every process. Names the deployment does not
 * have (a deep link to a removed worker) are left out and reported, so the other panels still draw.
 */
export function resolveWorkers(tokens: string[], processes: PickableProcess[] | undefined): { names: string[] | null; unknown: string[] } {
  if (tokens.includes("all")) return { names: null, unknown: [] };
  if (!processes) {
    // Until the topology arrives only plain names can be sent; a type needs the list.
    return tokens.some((t) => t.startsWith("type:")) ? { names: [], unknown: [] } : { names: tokens, unknown: [] };
  }
  const names = new Set<string>();
  const unknown: string[] = [];
  for (const t of tokens) {
    const matches = t.startsWith("type:") ? processes.filter((p) => `type:${p.type}` === t) : processes.filter((p) => p.name === t);
    if (matches.length === 0) unknown.push(t);
    for (const p of matches) names.add(p.name);
  }
  return { names: [...names].sort(), unknown };
}

/** Prometheus panels per process over a range; range and processes live in the URL. */
export function MetricsScreen() {
  const [url, setUrl] = useMetricsUrlState();
  const index = useMetricsIndex();
  const topology = useLiveTopology();
  const processes = usePickableProcesses(topology.data?.processes);
  const known = topology.data ? processes : undefined;
  const { names, unknown } = useMemo(() => resolveWorkers(url.workers, known), [url.workers, known]);
  const ranges = index.data?.ranges.length ? index.data.ranges : undefined;

  return (
    <div className="flex min-h-screen flex-col">
      <header className="flex flex-wrap items-center gap-x-6 gap-y-2 border-b border-zinc-200 px-6 py-3 dark:border-zinc-800">
        <div>
          <h1 className="text-base font-semibold">Metrics</h1>
          <p className="text-xs text-zinc-500">
            <PrometheusSource prometheus={index.data?.prometheus ?? topology.data?.prometheus} />
          </p>
        </div>
        <div className="ml-auto flex flex-wrap items-center gap-3">
          <RangePicker value={url.range} onChange={(range) => setUrl({ range })} ranges={ranges} />
          <ProcessPicker processes={processes} value={url.workers} onChange={(workers) => setUrl({ workers })} />
        </div>
      </header>
      <div className="flex flex-col gap-4 p-6">
        {index.error ? (
          <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-xs text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
            The panels could not be listed: {index.error.message}
          </p>
        ) : null}
        {unknown.length > 0 ? (
          <p role="status" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-xs text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200">
            Not in this deployment, so left out: <span className="font-mono">{unknown.join(", ")}</span>.
            {names && names.length === 0 ? " Pick processes above." : null}
          </p>
        ) : null}
        {index.isPending ? <p className="text-xs text-zinc-500">Reading the panels…</p> : null}
        {index.data && (names === null || names.length > 0 || unknown.length === 0) ? (
          <MetricsGrid panels={index.data.panels} range={url.range} workers={names} prometheusUrl={index.data.prometheus.url} />
        ) : null}
      </div>
    </div>
  );
}
