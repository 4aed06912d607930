/**
 * Prometheus file_sd targets for Synapse (prometheus/synapse-targets.json): one entry per
 * metrics listener, labelled job="synapse" (what the stock Grafana dashboard expects) and worker.
 */

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

export function targetEntry(worker: string, host: string, port: number): TargetEntry {
  return { targets: [`${host}:${port}`], labels: { job: "synapse", worker } };
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
  return renderTargets([...entries, ...(change.add ?? [])]);
}
