import { z } from "zod";

/** Browser-safe: the shapes of the metrics API (Prometheus data per Synapse process). */

export const metricRanges = ["15m", "1h", "6h", "24h", "7d"] as const;
export const metricRangeSchema = z.enum(metricRanges);
export type MetricRange = z.infer<typeof metricRangeSchema>;

export const metricUnits = ["requests_per_second", "ratio", "seconds", "cores", "bytes", "events_per_second", "per_second", "count"] as const;
export const metricUnitSchema = z.enum(metricUnits);
export type MetricUnit = z.infer<typeof metricUnitSchema>;

export const panelInfoSchema = z.object({
  id: z.string(),
  title: z.string(),
  unit: metricUnitSchema,
  description: z.string().describe("what the panel shows and why, in an operator's words"),
});

export const prometheusSourceSchema = z.object({
  url: z.string().nullable().describe("where the dashboard reads metrics; null when none is configured or discovered"),
  source: z.enum(["env", "discovered", "none"]).describe("env: FLEET_PROMETHEUS_URL; discovered: the Prometheus container of the deployment"),
});

export const metricsIndexSchema = z.object({
  prometheus: prometheusSourceSchema,
  panels: z.array(panelInfoSchema),
  ranges: z.array(metricRangeSchema),
});

export const seriesSchema = z.object({
  worker: z.string(),
  job: z.string().nullable(),
  index: z.string().nullable(),
  /** Extra label of a split series (e.g. a background process's or a queue's name); absent for one series per worker. */
  name: z.string().optional(),
  points: z.array(z.tuple([z.number(), z.number()])).describe("[unix seconds, value]; values to 6 significant digits; NaN and ±Inf samples are dropped"),
});

export const panelDataSchema = z.object({
  panel: z.string(),
  title: z.string(),
  unit: metricUnitSchema,
  start: z.number(),
  end: z.number(),
  step: z.number().describe("seconds between points"),
  window: z.number().describe("rate() window in seconds: max(step + scrape interval, 4 × scrape interval)"),
  query: z.string().describe("the PromQL sent, for copying into Prometheus or Grafana"),
  series: z.array(seriesSchema),
});

export type PanelInfo = z.infer<typeof panelInfoSchema>;
export type MetricsIndex = z.infer<typeof metricsIndexSchema>;
export type Series = z.infer<typeof seriesSchema>;
export type PanelData = z.infer<typeof panelDataSchema>;
export type PrometheusSource = z.infer<typeof prometheusSourceSchema>;
