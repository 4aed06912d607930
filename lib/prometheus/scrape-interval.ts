import "server-only";
import { scrapeTargets } from "./client";
import { FALLBACK_SCRAPE_SECONDS } from "./step";

const TTL_MS = 30_000;
let cache: { at: number; url: string | null; seconds: number } | null = null;

/**
 * The scrape interval of the Synapse targets (those labelled with a `worker`, else all), the
 * longest if they differ, so a rate window covers four scrapes of every process. Cached 30 s:
 * it changes only when Prometheus's config does. Prometheus being down is an error, not a guess.
 */
export async function synapseScrapeInterval(url: string | null, opts: { signal?: AbortSignal } = {}): Promise<number> {
  if (cache && cache.url === url && Date.now() - cache.at < TTL_MS) return cache.seconds;
  const targets = await scrapeTargets(opts);
  const ours = targets.filter((t) => t.labels.worker);
  const intervals = (ours.length ? ours : targets).map((t) => t.scrapeIntervalSeconds).filter((s) => s > 0);
  const seconds = intervals.length ? Math.max(...intervals) : FALLBACK_SCRAPE_SECONDS;
  cache = { at: Date.now(), url, seconds };
  return seconds;
}
