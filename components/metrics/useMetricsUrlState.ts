"use client";

import { useSearchParams } from "next/navigation";
import { useCallback, useMemo } from "react";
import { metricRanges, type MetricRange } from "@/lib/contract/metrics";

export const DEFAULT_RANGE: MetricRange = "1h";
// Bounds on what a URL may ask for: the picker offers no more than the deployment's processes.
const MAX_TOKENS = 50;
const MAX_TOKEN_LENGTH = 100;

export interface MetricsUrlState {
  range: MetricRange;
  /** Picker tokens: "all", "type:<type>" or process names. */
  workers: string[];
}

export function readMetricsUrl(params: URLSearchParams): MetricsUrlState {
  const raw = params.get("range");
  const range = (metricRanges as readonly string[]).includes(raw ?? "") ? (raw as MetricRange) : DEFAULT_RANGE;
  const tokens = (params.get("workers") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s && s.length <= MAX_TOKEN_LENGTH)
    .slice(0, MAX_TOKENS);
  return { range, workers: tokens.length && !tokens.includes("all") ? [...new Set(tokens)] : ["all"] };
}

/** The Metrics screen's range and processes as the URL carries them: `?range=6h&workers=a,b` (a deep link restores both). */
export function useMetricsUrlState(): [MetricsUrlState, (patch: Partial<MetricsUrlState>) => void] {
  const params = useSearchParams();
  const qs = params.toString();
  const state = useMemo(() => readMetricsUrl(new URLSearchParams(qs)), [qs]);
  const update = useCallback((patch: Partial<MetricsUrlState>) => {
    const next = new URLSearchParams(window.location.search);
    if (patch.range) next.set("range", patch.range);
    if (patch.workers) {
      if (patch.workers.length === 0 || patch.workers.includes("all")) next.delete("workers");
      else next.set("workers", patch.workers.join(","));
    }
    const s = next.toString().replaceAll("%2C", ",").replaceAll("%3A", ":");
    // Next's router follows history.replaceState, so useSearchParams (and the panels) update.
    window.history.replaceState(null, "", `${window.location.pathname}${s ? `?${s}` : ""}`);
  }, []);
  return [state, update];
}
