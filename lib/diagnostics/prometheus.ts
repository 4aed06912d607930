import { FleetError } from "@/lib/errors";
import { CannotRun } from "./model";

/**
 * Checks that read Prometheus: an unavailable Prometheus is a reason the check cannot run
 * ("cannot run: Prometheus unreachable …"), never a pass.
 */

export type PromAnswer<T> = { ok: true; value: T } | { ok: false; why: string };

export function prometheusWhy(err: unknown): string | null {
  if (err instanceof FleetError && err.code === "unavailable") {
    const reason = typeof err.details?.reason === "string" ? err.details.reason.replace(/_/g, " ") : "unavailable";
    return `Prometheus ${reason}: ${err.message}`;
  }
  return null;
}

/** The answer, or why Prometheus could not give it; other errors propagate. */
export async function ask<T>(fn: () => Promise<T>): Promise<PromAnswer<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    const why = prometheusWhy(err);
    if (why === null) throw err;
    return { ok: false, why };
  }
}

/** The answer, or CannotRun saying why Prometheus could not give it. */
export async function need<T>(fn: () => Promise<T>): Promise<T> {
  const a = await ask(fn);
  if (!a.ok) throw new CannotRun(a.why);
  return a.value;
}

/** `{server_name="x"}` matcher text (synapse_* carry it since 1.136); empty when unknown. */
export function serverNameMatcher(serverName: string | null): string {
  return serverName ? `server_name="${serverName.replace(/[\\"]/g, "\\$&")}"` : "";
}

/** A PromQL duration in whole seconds. */
export function seconds(n: number): string {
  return `${Math.max(1, Math.round(n))}s`;
}

/** A window for people: 900 → "15 min", 20 → "20 s". */
export function humanWindow(n: number): string {
  return n >= 120 && n % 60 === 0 ? `${n / 60} min` : `${Math.round(n)} s`;
}
