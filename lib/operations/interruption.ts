/**
 * The executor's cancellation point. An operation carries an AbortSignal (the dashboard stopping,
 * shutdown.ts); the executor looks at it between steps and inside a health wait, where stopping
 * changes nothing, and never in the middle of an action (a container half-created is worse than a
 * step too many). What was done is then put back by the recovery path (reconcile.ts), not here.
 */

/** A step stopped on the operation's signal; only a wait throws it, before acting on anything. */
export class StepInterrupted extends Error {
  constructor(readonly reason: string) {
    super(`stopped: ${reason}`);
    this.name = "StepInterrupted";
  }
}

/** Why the signal fired, as a clause for the operation's error ("SIGTERM, and …"). */
export function interruptReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  if (typeof r === "string" && r.trim()) return r.trim();
  if (r instanceof Error && r.name !== "AbortError" && r.message) return r.message;
  return "it was told to stop";
}

/** Throws StepInterrupted once the signal has fired. */
export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StepInterrupted(interruptReason(signal));
}

/** Sleeps `ms`, or less when the signal fires meanwhile (the caller then looks at it). */
export function sleepUnlessInterrupted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return new Promise((r) => setTimeout(r, ms));
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
