"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { MetricRange, MetricsIndex, PanelData } from "@/lib/contract/metrics";
import { apiFetchResponse, ApiRequestError, detailsRecord } from "@/components/operations/api";

/** A metrics route's refusal with its details kept: the card says what to do per `details.reason`. */
export class MetricsRequestError extends ApiRequestError {
  constructor(status: number, code: string, message: string, details: Record<string, unknown> | null) {
    super(status, code, message, details);
    this.name = "MetricsRequestError";
  }

  /** not_configured | unreachable | bad_query on a 503; null otherwise. */
  get reason(): string | null {
    return this.status === 503 && typeof this.details?.reason === "string" ? this.details.reason : null;
  }
}

async function metricsFetch<T>(url: string, signal?: AbortSignal): Promise<T> {
  const refusal = (status: number, code: string, message: string, details: unknown) => new MetricsRequestError(status, code, message, detailsRecord(details));
  return (await apiFetchResponse<T>(url, { signal }, refusal)).body;
}

/** The panels, the ranges and where Prometheus is: changes only with a deploy, so fetched once. */
export function useMetricsIndex() {
  return useQuery({ queryKey: ["metrics", "index"], queryFn: ({ signal }) => metricsFetch<MetricsIndex>("/api/metrics", signal), retry: false });
}

export interface PanelRequest {
  panel: string;
  range: MetricRange;
  /** Process names; null = every process. */
  workers: string[] | null;
  /** The chart's drawing width in pixels (the server derives the step from it); 0 = not measured yet. */
  width: number;
}

const MIN_REFRESH_S = 15;

/**
 * One panel's series, refreshed every max(step, 15 s). react-query skips interval refetches while
 * the document is hidden (refetchIntervalInBackground is off), so a background tab costs nothing.
 */
export function usePanelData({ panel, range, workers, width }: PanelRequest) {
  const params = new URLSearchParams({ range, width: String(width) });
  if (workers) params.set("workers", workers.join(","));
  const url = `/api/metrics/${encodeURIComponent(panel)}?${params.toString().replaceAll("%2C", ",")}`;
  return useQuery({
    queryKey: ["metrics", "panel", panel, range, workers?.join(",") ?? "*", width],
    queryFn: async ({ signal }) => {
      const data = await metricsFetch<PanelData>(url, signal);
      // For the render benchmark: data → drawn is timed from here to PanelCard's "metrics:drawn:<panel>".
      performance.clearMarks(`metrics:data:${panel}`);
      performance.mark(`metrics:data:${panel}`);
      return data;
    },
    enabled: width > 0 && (workers === null || workers.length > 0),
    // A refresh replaces the chart in place; a new range or width keeps the old lines until the new ones arrive.
    placeholderData: keepPreviousData,
    staleTime: 0,
    retry: false,
    refetchInterval: (q) => Math.max(q.state.data?.step ?? 0, MIN_REFRESH_S) * 1000,
    refetchIntervalInBackground: false,
  });
}
