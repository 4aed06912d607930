"use client";

import type { MetricRange, PanelInfo } from "@/lib/contract/metrics";
import { PanelCard } from "./PanelCard";

/** Panel cards side by side; shared by the Metrics screen and a worker's Overview. */
export function MetricsGrid({
  panels,
  range,
  workers,
  prometheusUrl,
  columns = "wide",
}: {
  panels: PanelInfo[];
  range: MetricRange;
  /** Process names; null = every process. */
  workers: string[] | null;
  prometheusUrl: string | null;
  /** wide: up to three columns (the Metrics screen); narrow: up to two (beside other content). */
  columns?: "wide" | "narrow";
}) {
  return (
    <div className={`grid gap-3 ${columns === "wide" ? "lg:grid-cols-2 2xl:grid-cols-3" : "lg:grid-cols-2"}`}>
      {panels.map((p) => (
        <PanelCard key={p.id} info={p} range={range} workers={workers} prometheusUrl={prometheusUrl} />
      ))}
    </div>
  );
}
