import { workerColor } from "@/components/logs/colors";
import type { Series } from "@/lib/contract/metrics";

/**
 * Line colours. A worker's line takes the colour its log lines have (components/logs/colors.ts),
 * so an operator who knows "generic_worker1 is teal" sees it again here — unless another line of
 * the same panel already has that colour (names hash onto ten hues), or the worker has several
 * lines (split by a name): then the first colour no line of the panel uses yet.
 */
const hexByEdge: Record<string, string> = {
  "border-l-sky-500": "#0ea5e9",
  "border-l-violet-500": "#8b5cf6",
  "border-l-emerald-500": "#10b981",
  "border-l-amber-500": "#f59e0b",
  "border-l-rose-500": "#f43f5e",
  "border-l-teal-500": "#14b8a6",
  "border-l-fuchsia-500": "#d946ef",
  "border-l-lime-500": "#84cc16",
  "border-l-orange-500": "#f97316",
  "border-l-indigo-500": "#6366f1",
};
const hues = Object.values(hexByEdge);

/** One colour per series of a panel, in the series' order. */
export function seriesColors(series: ReadonlyArray<Pick<Series, "worker">>): string[] {
  const perWorker = new Map<string, number>();
  for (const s of series) perWorker.set(s.worker, (perWorker.get(s.worker) ?? 0) + 1);
  const used = new Map<string, number>();
  return series.map((s, i) => {
    const preferred = perWorker.get(s.worker) === 1 ? hexByEdge[workerColor(s.worker).edge] : undefined;
    const least = Math.min(...hues.map((h) => used.get(h) ?? 0));
    const color = preferred && !used.has(preferred) ? preferred : (hues.find((h) => (used.get(h) ?? 0) === least) ?? hues[i % hues.length]);
    used.set(color, (used.get(color) ?? 0) + 1);
    return color;
  });
}
