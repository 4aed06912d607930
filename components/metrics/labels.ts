import type { Series } from "@/lib/contract/metrics";

/**
 * Legend names: the worker, or "worker · name" for a split series. Two series that would read the
 * same (a process scraped under two job/index labels, e.g. across a relabelling) get the stock
 * dashboard's "job-index" added, then a counter, so each legend entry toggles one line.
 */
export function seriesLabels(series: ReadonlyArray<Series>): string[] {
  const base = series.map((s) => (s.name === undefined ? s.worker : `${s.worker} · ${s.name}`));
  const count = (xs: string[], x: string) => xs.filter((y) => y === x).length;
  const withJob = base.map((b, i) => {
    if (count(base, b) === 1) return b;
    const { job, index } = series[i];
    return job ? `${b} (${job}${index ? `-${index}` : ""})` : b;
  });
  const seen = new Map<string, number>();
  return withJob.map((l) => {
    if (count(withJob, l) === 1) return l;
    const n = (seen.get(l) ?? 0) + 1;
    seen.set(l, n);
    return `${l} #${n}`;
  });
}
