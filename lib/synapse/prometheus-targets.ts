/**
 * Prometheus file_sd targets for Synapse (prometheus/synapse-targets.json): one entry per metrics
 * listener, labelled the way the stock Grafana dashboard (contrib/grafana/synapse.json) tells processes
 * apart — `job` and `index`, legends `{{job}}-{{index}}` — plus `worker`, which this dashboard keys on.
 * Main is job "synapse", index "1"; a worker's job is its kind's name prefix (generic_worker,
 * media_worker, events_writer…) and its index the number of a `<job><n>` name, else the lowest one free,
 * as Synapse's docker/configure_workers_and_start.py does. A `job` label of a target group beats the
 * scrape config's job_name, so these reach the series as written.
 */
import { nameNumber } from "./allocate";

export interface TargetEntry {
  targets: string[];
  labels: Record<string, string>;
}

export class TargetsParseError extends Error {}

export function parseTargets(text: string): TargetEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new TargetsParseError(`synapse-targets.json is not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(data)) throw new TargetsParseError("synapse-targets.json must be a list of target groups");
  return data.map((e) => ({
    targets: Array.isArray(e?.targets) ? e.targets.map(String) : [],
    labels: typeof e?.labels === "object" && e.labels !== null ? Object.fromEntries(Object.entries(e.labels).map(([k, v]) => [k, String(v)])) : {},
  }));
}

/** The lab's layout: one group per line, a leading comma from the second on (diffs stay one line per worker). */
export function renderTargets(entries: TargetEntry[]): string {
  if (entries.length === 0) return "[]\n";
  const lines = entries.map((e, i) => `${i === 0 ? "  " : " ,"}${JSON.stringify({ targets: e.targets, labels: e.labels }).replace(/":/g, '": ').replace(/,"/g, ', "')}`);
  return `[\n${lines.join("\n")}\n]\n`;
}

export const MAIN_JOB = "synapse";

/** Main's target group. */
export function mainTargetEntry(host: string, port: number): TargetEntry {
  return { targets: [`${host}:${port}`], labels: { job: MAIN_JOB, index: "1", worker: "main" } };
}

/**
 * A worker's target group; `job` is its kind's name prefix. A name without a number gets its index
 * when the file is written (`updateTargets`), where the other groups of its job are known.
 */
export function workerTargetEntry(worker: string, job: string, host: string, port: number): TargetEntry {
  const n = nameIndex(worker, job);
  return { targets: [`${host}:${port}`], labels: n > 0 ? { job, index: String(n), worker } : { job, worker } };
}

/** The index a worker's name gives it in its job, or 0: only `<job><n>` names carry one (`my_worker1` of job generic_worker is not generic_worker-1). */
export function nameIndex(worker: string, job: string): number {
  const n = nameNumber(worker);
  return n > 0 && worker === `${job}${n}` ? n : 0;
}

/** The lowest index ≥ 1 that `taken` says is free. */
export function lowestFreeIndex(taken: (index: string) => boolean): string {
  let i = 1;
  while (taken(String(i))) i++;
  return String(i);
}

/** Gives every group without an index the lowest index its job has free (existing indexes are kept). */
function fillIndexes(entries: TargetEntry[]): TargetEntry[] {
  const used = new Map<string, Set<string>>();
  for (const e of entries) if (e.labels.index !== undefined) (used.get(e.labels.job ?? "") ?? used.set(e.labels.job ?? "", new Set()).get(e.labels.job ?? "")!).add(e.labels.index);
  return entries.map((e) => {
    if (e.labels.index !== undefined || e.labels.job === undefined) return e;
    const taken = used.get(e.labels.job) ?? used.set(e.labels.job, new Set()).get(e.labels.job)!;
    const index = lowestFreeIndex((i) => taken.has(i));
    taken.add(index);
    // Key order job, index, worker: the file reads like the lab's.
    const { job, worker, ...rest } = e.labels;
    return { ...e, labels: { job, index, worker, ...rest } };
  });
}

/** Removes the groups of `remove` and appends `add` (replacing a group of the same worker). */
export function updateTargets(text: string, change: { add?: TargetEntry[]; remove?: string[]; keepOnly?: string[] }): string {
  let entries = parseTargets(text);
  const drop = new Set([...(change.remove ?? []), ...(change.add ?? []).map((e) => e.labels.worker)]);
  entries = entries.filter((e) => !drop.has(e.labels.worker));
  if (change.keepOnly) {
    const keep = new Set(change.keepOnly);
    entries = entries.filter((e) => keep.has(e.labels.worker));
  }
  return renderTargets(fillIndexes([...entries, ...(change.add ?? [])]));
}
