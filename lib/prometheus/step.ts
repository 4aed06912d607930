/**
 * The time grid of a range query, pure. One point per pixel at most, never finer than the scrape
 * interval (finer steps only repeat samples), start and end on multiples of the step so a refresh
 * lands on the same timestamps (points do not shimmer), and never above Prometheus's limit of
 * 11,000 points per series. The rate() window is Grafana's $__rate_interval.
 */

export const DEFAULT_WIDTH = 1000;
export const MIN_WIDTH = 100;
export const MAX_WIDTH = 2000;
/** Prometheus refuses query_range above this many points per series ("exceeded maximum resolution"). */
export const MAX_POINTS_PER_SERIES = 11_000;
/** Prometheus's own default scrape_interval, used when no target tells us better. */
export const FALLBACK_SCRAPE_SECONDS = 60;

export interface QueryGrid {
  start: number;
  end: number;
  step: number;
  /** rate() window in seconds. */
  window: number;
}

/** max(step + scrape, 4 × scrape): a window short of four scrapes misses samples (Grafana's $__rate_interval). */
export function rateWindow(step: number, scrapeSeconds: number): number {
  const scrape = scrapeSeconds > 0 ? scrapeSeconds : FALLBACK_SCRAPE_SECONDS;
  return Math.ceil(Math.max(step + scrape, 4 * scrape));
}

/** The grid for [start, end] (unix seconds) drawn `width` pixels wide. */
export function queryGrid(range: { start: number; end: number }, width: number, scrapeSeconds: number): QueryGrid {
  const scrape = scrapeSeconds > 0 ? scrapeSeconds : FALLBACK_SCRAPE_SECONDS;
  const px = Math.min(MAX_WIDTH, Math.max(1, Math.floor(width)));
  const span = Math.max(0, range.end - range.start);
  // span / (MAX_POINTS - 1) steps give MAX_POINTS points; aligning may add one more step, hence - 2.
  const step = Math.max(1, Math.ceil(Math.max(scrape, span / px, span / (MAX_POINTS_PER_SERIES - 2))));
  const start = Math.floor(range.start / step) * step;
  const end = Math.max(start, Math.floor(range.end / step) * step);
  return { start, end, step, window: rateWindow(step, scrape) };
}

/** How many points a series of this grid can hold. */
export function pointsOf(grid: Pick<QueryGrid, "start" | "end" | "step">): number {
  return Math.floor((grid.end - grid.start) / grid.step) + 1;
}
