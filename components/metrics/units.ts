import type { MetricRange, MetricUnit } from "@/lib/contract/metrics";

/** Values in the panel's unit, as an operator reads them: 3.2 MiB, 850 ms, 12 %, 0.25 cores, 40 req/s. */

const significant = new Intl.NumberFormat("en", { maximumSignificantDigits: 3 });
const compact = new Intl.NumberFormat("en", { notation: "compact", maximumSignificantDigits: 3 });

function num(v: number): string {
  return Math.abs(v) >= 10_000 ? compact.format(v) : significant.format(v);
}

const binary = ["B", "KiB", "MiB", "GiB", "TiB"] as const;

function bytes(v: number): string {
  let i = 0;
  let x = Math.abs(v);
  while (x >= 1024 && i < binary.length - 1) {
    x /= 1024;
    i++;
  }
  return `${v < 0 ? "-" : ""}${significant.format(x)} ${binary[i]}`;
}

function seconds(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return "0 s";
  if (a < 1e-3) return `${significant.format(v * 1e6)} µs`;
  if (a < 1) return `${significant.format(v * 1e3)} ms`;
  if (a < 120) return `${significant.format(v)} s`;
  return `${significant.format(v / 60)} min`;
}

const perSecond: Partial<Record<MetricUnit, string>> = { requests_per_second: "req/s", events_per_second: "events/s", per_second: "/s" };

/** A value with its unit, for tooltips, legends and labels. */
export function formatValue(unit: MetricUnit, v: number): string {
  if (!Number.isFinite(v)) return "—";
  switch (unit) {
    case "bytes":
      return bytes(v);
    case "seconds":
      return seconds(v);
    case "ratio":
      return `${significant.format(v * 100)} %`;
    case "cores":
      return `${significant.format(v)} ${Math.abs(v) === 1 ? "core" : "cores"}`;
    case "count":
      return num(v);
    default:
      return `${num(v)} ${perSecond[unit] ?? ""}`.trim();
  }
}

/** A shorter form for axis ticks: the unit's word is in the card's header. */
export function formatTick(unit: MetricUnit, v: number): string {
  if (unit === "bytes" || unit === "seconds") return formatValue(unit, v);
  if (unit === "ratio") return `${significant.format(v * 100)}%`;
  return num(v);
}

/** What the header says the numbers are. */
export const unitLabels: Record<MetricUnit, string> = {
  requests_per_second: "requests per second",
  ratio: "percent",
  seconds: "seconds",
  cores: "CPU cores",
  bytes: "bytes",
  events_per_second: "events per second",
  per_second: "per second",
  count: "count",
};

export const rangeLabels: Record<MetricRange, string> = { "15m": "15 minutes", "1h": "hour", "6h": "6 hours", "24h": "24 hours", "7d": "7 days" };

const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayClock = new Intl.DateTimeFormat(undefined, { weekday: "short", hour: "2-digit", minute: "2-digit" });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** An x-axis tick: the time of day, with the weekday once the range spans days. */
export function formatTime(unixSeconds: number, range: MetricRange): string {
  return (range === "7d" ? dayClock : clock).format(unixSeconds * 1000);
}

export function formatInstant(unixSeconds: number): string {
  return full.format(unixSeconds * 1000);
}
