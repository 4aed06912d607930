import "server-only";
import type { StatsSample } from "@/lib/contract/topology";

const latest = new Map<string, StatsSample>();

/** The newest resource sample of a container, while the live hub is watching it. */
export function latestStats(containerId: string): StatsSample | null {
  return latest.get(containerId) ?? null;
}

export function recordStats(containerId: string, sample: StatsSample): void {
  latest.set(containerId, sample);
}

export function forgetStats(containerId: string): void {
  latest.delete(containerId);
}
