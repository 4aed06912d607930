import type { CheckResult } from "@/lib/contract/diagnostics";
import { FleetError } from "@/lib/errors";
import { MASK, maskValue } from "@/lib/synapse/secrets";
import { CannotRun, type Check, type CheckOutcome, type DiagnosticsContext } from "./model";
import { prometheusWhy } from "./prometheus";

/**
 * Runs checks in parallel, each within its own deadline: a check that throws or does not answer in
 * time warns and says why, it never passes. What they report is masked before it leaves.
 */

export const CHECK_TIMEOUT_MS = 2_000;
const MAX_EVIDENCE_LINES = 200;
const MAX_LINE = 1_000;
const CANNOT_RUN_FIX = "The check could not look: make what the evidence names reachable, then run it again.";

export type BaseContext = Omit<DiagnosticsContext, "signal">;

/** The reason a check could not run, as evidence; unexpected errors are reported too (masked). */
export function cannotRunOutcome(err: unknown): CheckOutcome {
  const why = err instanceof CannotRun ? err.message : (prometheusWhy(err) ?? `the check failed: ${err instanceof FleetError || err instanceof Error ? err.message : String(err)}`);
  return { status: "warn", evidence: [`cannot run: ${why}`], fix: CANNOT_RUN_FIX };
}

/** Masks credential shapes and the deployment's own secrets; bounds the size. */
export function sanitize(outcome: CheckOutcome, secrets: readonly string[]): CheckOutcome {
  const clean = (s: string) => {
    let out = s;
    for (const secret of secrets) out = out.split(secret).join(MASK);
    return maskValue(out).slice(0, MAX_LINE * 4);
  };
  const evidence = outcome.evidence.slice(0, MAX_EVIDENCE_LINES).map((l) => clean(l).slice(0, MAX_LINE));
  if (outcome.evidence.length > MAX_EVIDENCE_LINES) evidence.push(`… ${outcome.evidence.length - MAX_EVIDENCE_LINES} more lines`);
  return { ...outcome, evidence, fix: outcome.fix === null ? null : clean(outcome.fix) };
}

export async function runOne(check: Check, base: BaseContext, secrets: readonly string[], timeoutMs = CHECK_TIMEOUT_MS): Promise<CheckResult> {
  const started = performance.now();
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(() => {
      abort.abort();
      resolve({ status: "warn", evidence: [`cannot run: no answer within ${timeoutMs / 1000} s`], fix: CANNOT_RUN_FIX });
    }, timeoutMs);
  });
  let outcome: CheckOutcome;
  try {
    outcome = await Promise.race([check.run({ ...base, signal: abort.signal }).catch(cannotRunOutcome), late]);
  } finally {
    clearTimeout(timer);
  }
  return { id: check.id, title: check.title, ...sanitize(outcome, secrets), durationMs: Math.round(performance.now() - started) };
}

/** Every check at once, results in the checks' order. */
export function runChecks(checks: readonly Check[], base: BaseContext, secrets: readonly string[], timeoutMs = CHECK_TIMEOUT_MS): Promise<CheckResult[]> {
  return Promise.all(checks.map((c) => runOne(c, base, secrets, timeoutMs)));
}
