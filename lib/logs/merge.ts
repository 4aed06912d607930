import type { LogLine } from "@/lib/contract/logs";

/**
 * Merging several workers' lines in time order. Each worker's lines already come in ts order;
 * across workers they arrive interleaved with a little jitter, so follow mode holds every line
 * for a short reorder window before it may leave.
 */

/** K-way merge of lists that are each sorted by ts; stable (ties keep list order). */
export function mergeSorted(lists: LogLine[][]): LogLine[] {
  const live = lists.filter((l) => l.length > 0);
  if (live.length === 0) return [];
  if (live.length === 1) return live[0];
  const out: LogLine[] = [];
  const pos = new Array<number>(live.length).fill(0);
  for (;;) {
    let best = -1;
    let bestTs = "";
    for (let i = 0; i < live.length; i++) {
      if (pos[i] >= live[i].length) continue;
      const ts = live[i][pos[i]].ts;
      if (best < 0 || ts < bestTs) {
        best = i;
        bestTs = ts;
      }
    }
    if (best < 0) return out;
    out.push(live[best][pos[best]++]);
  }
}

/** The lines strictly after `after` (a ts); a worker's lines are sorted, so it is a search for the cut. */
export function dropUpTo(lines: LogLine[], after: string | null | undefined): LogLine[] {
  if (!after || lines.length === 0 || lines[0].ts > after) return lines;
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lines[mid].ts <= after) lo = mid + 1;
    else hi = mid;
  }
  return lines.slice(lo);
}

interface Chunk {
  at: number;
  lines: LogLine[];
  pos: number;
}

/**
 * Follow mode's merge: lines wait `windowMs` after arriving, then leave in ts order across
 * workers. A line later than the window (a worker lagging by more) still leaves, just out of order.
 */
export class ReorderBuffer {
  private readonly queues = new Map<string, Chunk[]>();
  private count = 0;

  constructor(private readonly windowMs: number) {}

  get size(): number {
    return this.count;
  }

  add(worker: string, lines: LogLine[], now: number): void {
    if (lines.length === 0) return;
    let q = this.queues.get(worker);
    if (!q) this.queues.set(worker, (q = []));
    q.push({ at: now, lines, pos: 0 });
    this.count += lines.length;
  }

  /** Up to `max` lines that have waited out the window (all of them with `flushAll`), in ts order. */
  take(now: number, max: number, flushAll = false): LogLine[] {
    const cutoff = flushAll ? Infinity : now - this.windowMs;
    const heads: Chunk[][] = [];
    for (const q of this.queues.values()) if (q.length > 0 && q[0].at <= cutoff) heads.push(q);
    const out: LogLine[] = [];
    if (heads.length === 1) {
      // One worker with ripe lines: no comparisons, just copy.
      const q = heads[0];
      while (out.length < max && q.length > 0 && q[0].at <= cutoff) {
        const c = q[0];
        const n = Math.min(max - out.length, c.lines.length - c.pos);
        for (let i = 0; i < n; i++) out.push(c.lines[c.pos + i]);
        c.pos += n;
        if (c.pos >= c.lines.length) q.shift();
      }
    } else {
      while (out.length < max) {
        let best: Chunk[] | null = null;
        let bestTs = "";
        for (const q of heads) {
          if (q.length === 0 || q[0].at > cutoff) continue;
          const ts = q[0].lines[q[0].pos].ts;
          if (!best || ts < bestTs) {
            best = q;
            bestTs = ts;
          }
        }
        if (!best) break;
        const c = best[0];
        out.push(c.lines[c.pos++]);
        if (c.pos >= c.lines.length) best.shift();
      }
    }
    this.count -= out.length;
    return out;
  }
}
