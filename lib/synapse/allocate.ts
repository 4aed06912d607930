/** Names and ports for new workers, chosen so nothing already in the deployment collides. */

export const portRanges = {
  http: 8011,
  replication: 9094,
  mainReplication: 9093,
  metrics: 9004,
} as const;

/** `prefix` + the smallest number ≥ 1 not taken: generic_worker2 when generic_worker1 exists. */
export function allocateName(prefix: string, taken: ReadonlySet<string>): string {
  for (let n = 1; ; n++) {
    const name = `${prefix}${n}`;
    if (!taken.has(name)) return name;
  }
}

/** The first port ≥ `from` that nobody uses (and ≤ 65535). */
export function allocatePort(from: number, used: ReadonlySet<number>): number {
  for (let p = from; p <= 65535; p++) if (!used.has(p)) return p;
  throw new RangeError(`no free port from ${from}`);
}

/** The number at the end of a worker name (generic_worker12 → 12), or 0. */
export function nameNumber(name: string): number {
  const m = /(\d+)$/.exec(name);
  return m ? Number(m[1]) : 0;
}
