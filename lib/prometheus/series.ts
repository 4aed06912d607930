import type { Series } from "@/lib/contract/metrics";

/** Powers of ten, so rounding a value costs no Math.pow. */
const TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Significant digits a sample keeps in an answer: a chart (≤ 2,000 px) or its tooltip shows 3. */
export const SIGNIFICANT_DIGITS = 6;

/**
 * A value to SIGNIFICANT_DIGITS significant digits (relative error ≤ 5e-6). Prometheus sends up to
 * 17, mostly noise from rate(); shorter numbers halve a 7-day panel's JSON and the time spent
 * serialising and compressing it (npm run bench metrics).
 */
export function roundSignificant(v: number): number {
  const a = Math.abs(v);
  if (a === 0 || !(a < 1e21) || a < 1e-15) return v;
  const k = SIGNIFICANT_DIGITS - 1 - Math.floor(Math.log10(a));
  // Dividing by an exact power of ten is correctly rounded, so 0.1666667… becomes the double 0.166667.
  return k >= 0 ? Math.round(v * TEN[k]) / TEN[k] : Math.round(v / TEN[-k]) * TEN[-k];
}

/**
 * Prometheus series → the API's per-process series, values rounded by roundSignificant. A series of a target without a `worker`
 * label (a scrape config the dashboard did not write) is named the way the stock dashboard's
 * legends do, `job-index`, else by its instance, so it is shown rather than lost.
 */
export function toSeries(result: Array<{ labels: Record<string, string>; points: Array<[number, number]> }>): Series[] {
  const out: Series[] = result.map(({ labels, points }) => {
    const job = labels.job || null;
    const index = labels.index || null;
    const worker = labels.worker || (job && index ? `${job}-${index}` : labels.instance || job || "unknown");
    const s: Series = { worker, job, index, points: points.map(([t, v]) => [t, roundSignificant(v)]) };
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
