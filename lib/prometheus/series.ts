import type { Series } from "@/lib/contract/metrics";

/**
 * Prometheus series → the API's per-process series. A series of a target without a `worker`
 * label (a scrape config the dashboard did not write) is named the way the stock dashboard's
 * legends do, `job-index`, else by its instance, so it is shown rather than lost.
 */
export function toSeries(result: Array<{ labels: Record<string, string>; points: Array<[number, number]> }>): Series[] {
  const out: Series[] = result.map(({ labels, points }) => {
    const job = labels.job || null;
    const index = labels.index || null;
    const worker = labels.worker || (job && index ? `${job}-${index}` : labels.instance || job || "unknown");
    const s: Series = { worker, job, index, points };
    if (labels.name !== undefined) s.name = labels.name;
    return s;
  });
  const key = (s: Series) => [s.worker, s.job ?? "", s.index ?? "", s.name ?? ""];
  return out.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) {
      const c = ka[i].localeCompare(kb[i], "en", { numeric: true });
      if (c !== 0) return c;
    }
    return 0;
  });
}
