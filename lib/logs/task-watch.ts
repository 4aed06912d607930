/**
 * The timing rules of a swarm worker's log source, purely (lib/logs/task-source.ts applies them):
 * how long to wait before reopening, and when a silent stream counts as stalled.
 */

export interface TaskSourceTiming {
  /** How often the manager is asked which task is current, and the stream looked at. */
  checkMs: number;
  /** Silence after which the task is asked whether it logged more than the stream delivered. */
  quietMs: number;
  /** The first reopen waits this long; each failure in a row doubles it… */
  backoffMs: number;
  /** …up to this. */
  maxBackoffMs: number;
}

/**
 * Synapse logs at least every 30 s (its cache sweep), so 15 s of silence is worth one probe; a
 * reopen waits 0.5 s, then 1, 2, 4… up to 15 s while it keeps failing.
 */
export const DEFAULT_TASK_TIMING: TaskSourceTiming = { checkMs: 2_000, quietMs: 15_000, backoffMs: 500, maxBackoffMs: 15_000 };

/** The wait before the next reopen after `failures` failures in a row. */
export function backoffDelay(failures: number, t: Pick<TaskSourceTiming, "backoffMs" | "maxBackoffMs">): number {
  return Math.min(t.maxBackoffMs, t.backoffMs * 2 ** Math.min(Math.max(0, failures), 20));
}

/**
 * Whether an open stream is stalled (moby/moby#33183: it stays open and sends nothing while the
 * task keeps logging): a probe found a line newer than the last one delivered (`suspect`), and a
 * whole check later the stream still has not delivered it. Silence alone is never a stall: a
 * worker may simply have nothing to say.
 */
export function stalled(s: { lastTs: string | null; suspect: string | null }): "stalled" | "ok" {
  if (!s.suspect) return "ok";
  if (s.lastTs !== null && s.lastTs >= s.suspect) return "ok";
  return "stalled";
}
