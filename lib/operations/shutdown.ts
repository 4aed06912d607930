import "server-only";
import { FleetError } from "@/lib/errors";

/**
 * A clean stop (SIGTERM/SIGINT, scripts/server.mjs): from the first signal no new operation
 * starts; one in flight gets a grace period to end; past it, it is told to stop at its next safe
 * point (interruption.ts) and ends `interrupted`, and the put-back the recovery path starts for it
 * (service.ts → reconcile.ts) is waited for too. Only then may the server close its streams and exit.
 *
 * The state is on globalThis: Next bundles instrumentation and route handlers apart, so this module
 * can be loaded more than once in one process, and server.mjs (plain JS, outside the bundles)
 * reaches the drain through `globalThis.__fleetDrainOperations`.
 */

export const DEFAULT_SHUTDOWN_GRACE_MS = 25_000;
export const MAX_SHUTDOWN_GRACE_MS = 600_000;

/** Work a stop must wait for: an operation (abortable unless it is a put-back) or a put-back run. */
export interface InFlight {
  /** What the logs call it: the operation id once it has one. */
  label: string;
  /** Fired when the grace is over; absent for work that must run to its end (a put-back). */
  readonly signal: AbortSignal | undefined;
  /** Called when the work ended, however it ended (a second call does nothing). */
  end(): void;
}

export interface DrainReport {
  /** Everything ended within the grace (or nothing was in flight). */
  endedInGrace: boolean;
  /** Operations told to stop when the grace ran out. */
  stopped: string[];
  waitedMs: number;
}

/** The refusal of a new operation while stopping: 503, reason `shutting_down`. */
export class ShuttingDownError extends FleetError {
  constructor(signal: string) {
    super("unavailable", `The dashboard is stopping (${signal}) and starts no new operation; try again once it is back`, { reason: "shutting_down" });
    this.name = "ShuttingDownError";
  }
}

interface Entry {
  handle: InFlight;
  controller: AbortController | null;
  ended: Promise<void>;
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** The admission and drain of operations in one process (one instance per process: operationDrain()). */
export class OperationDrain {
  /** Set by the first signal; never cleared (the process is on its way out). */
  private stopping: { signal: string; graceMs: number } | null = null;
  /** The reason operations are stopped with, once the grace is over. */
  private graceOver: string | null = null;
  private readonly inFlight = new Set<Entry>();
  private drained: Promise<DrainReport> | null = null;

  /** The signal that started the stop, or null while running normally. */
  get stoppingSignal(): string | null {
    return this.stopping?.signal ?? null;
  }

  /**
   * Registers a piece of work, synchronously (no await between the check and the registration, so
   * a drain that starts right after still sees it). An operation (`abortable`) is not admitted once
   * stopping (null); a put-back (`abortable: false`) always is, since it is what leaves the
   * deployment whole, and it is never told to stop.
   */
  tryAdmit(label: string, opts: { abortable: boolean }): InFlight | null {
    if (this.stopping && opts.abortable) return null;
    const controller = opts.abortable ? new AbortController() : null;
    let resolve!: () => void;
    const ended = new Promise<void>((r) => (resolve = r));
    const entry: Entry = {
      controller,
      ended,
      handle: {
        label,
        signal: controller?.signal,
        end: () => {
          this.inFlight.delete(entry);
          resolve();
        },
      },
    };
    this.inFlight.add(entry);
    return entry.handle;
  }

  /** Resolves once nothing is in flight, including work admitted while waiting (a put-back). */
  private async allEnded(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight].map((e) => e.ended));
  }

  /**
   * Stops taking operations, waits up to `graceMs` for those in flight, then tells them to stop at
   * their next safe point and waits until they and their put-backs have ended. A second call gets
   * the first one's result. `onGraceOver` is told which operations are being stopped.
   */
  drain(opts: { signal?: string; graceMs?: number; onGraceOver?: (labels: string[]) => void } = {}): Promise<DrainReport> {
    if (this.drained) return this.drained;
    const signal = opts.signal ?? "SIGTERM";
    const graceMs = Math.min(Math.max(0, Math.trunc(opts.graceMs ?? DEFAULT_SHUTDOWN_GRACE_MS)), MAX_SHUTDOWN_GRACE_MS);
    this.stopping = { signal, graceMs };
    const started = Date.now();
    this.drained = (async () => {
      let timer: NodeJS.Timeout | undefined;
      const graceUp = new Promise<"grace">((r) => (timer = setTimeout(() => r("grace"), graceMs)));
      const first = await Promise.race([this.allEnded().then(() => "ended" as const), graceUp]);
      clearTimeout(timer);
      const stopped: string[] = [];
      if (first === "grace") {
        const reason = `${signal}, and the operation did not end within the ${formatDuration(graceMs)} shutdown grace (FLEET_SHUTDOWN_GRACE_MS)`;
        this.graceOver = reason;
        for (const e of this.inFlight) {
          if (!e.controller) continue;
          stopped.push(e.handle.label);
          e.controller.abort(reason);
        }
        opts.onGraceOver?.(stopped);
        await this.allEnded();
      }
      return { endedInGrace: first === "ended", stopped, waitedMs: Date.now() - started };
    })();
    return this.drained;
  }
}

const holder = globalThis as typeof globalThis & {
  __fleetOperationDrain?: OperationDrain;
  __fleetDrainOperations?: OperationDrain["drain"];
};

/** This process's drain. */
export function operationDrain(): OperationDrain {
  if (!holder.__fleetOperationDrain) {
    const drain = new OperationDrain();
    holder.__fleetOperationDrain = drain;
    // The door for scripts/server.mjs, which cannot import TypeScript.
    holder.__fleetDrainOperations = (opts) => drain.drain(opts);
  }
  return holder.__fleetOperationDrain;
}

/**
 * Admits an operation (refused with ShuttingDownError once the dashboard is stopping) or a put-back
 * (`abortable: false`, always admitted). The error is made here, in the caller's bundle, so the API
 * edge's `instanceof FleetError` knows it.
 */
export function admitOperation(label: string, opts: { abortable: boolean }): InFlight {
  const drain = operationDrain();
  const work = drain.tryAdmit(label, opts);
  if (!work) throw new ShuttingDownError(drain.stoppingSignal ?? "a stop signal");
  return work;
}

/** Whether the dashboard has been told to stop. */
export function isStopping(): boolean {
  return operationDrain().stoppingSignal !== null;
}

// Installed as soon as the operations are loaded (instrumentation.ts loads them at start).
operationDrain();
