import "server-only";
import type { CheckResult, Diagnostics } from "@/lib/contract/diagnostics";
import { FleetError } from "@/lib/errors";
import { configCheck } from "./config";
import { buildContext, secretsOf } from "./context";
import { dbPoolCheck } from "./db-pool";
import { limitsCheck } from "./limits";
import { mainHotCheck } from "./main-hot";
import { CannotRun, type Check, type DiagnosticsOptions } from "./model";
import { redisCheck } from "./redis";
import { routingCheck } from "./routing";
import { CHECK_TIMEOUT_MS, cannotRunOutcome, runChecks, sanitize, type BaseContext } from "./run";
import { scrapeCheck } from "./scrape";
import { workerEnvCheck } from "./worker-env";
import { workerStartCheck } from "./worker-start";

/** The Workers Guide's troubleshooting as live checks, in the order the screen lists them. */
export const CHECKS: readonly Check[] = [redisCheck, workerStartCheck, configCheck, routingCheck, mainHotCheck, dbPoolCheck, scrapeCheck, limitsCheck, workerEnvCheck];

/** Reading the deployment gets the same deadline as one check. */
async function context(options: Partial<DiagnosticsOptions>): Promise<BaseContext | Error> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<Error>((resolve) => {
    timer = setTimeout(() => resolve(new CannotRun(`reading the deployment took longer than ${CHECK_TIMEOUT_MS / 1000} s`)), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([buildContext(options).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function run(checks: readonly Check[], options: Partial<DiagnosticsOptions>): Promise<CheckResult[]> {
  const started = performance.now();
  const base = await context(options);
  if (base instanceof Error) {
    const took = Math.round(performance.now() - started);
    const why = base instanceof CannotRun ? base : new CannotRun(`the deployment cannot be read: ${base.message}`);
    return checks.map((c) => ({ id: c.id, title: c.title, ...sanitize(cannotRunOutcome(why), []), durationMs: took }));
  }
  return runChecks(checks, base, secretsOf(base.connections));
}

/** Every check, in parallel, each bounded at 2 s. */
export async function runDiagnostics(options: Partial<DiagnosticsOptions> = {}): Promise<Diagnostics> {
  return { checks: await run(CHECKS, options), generatedAt: new Date().toISOString() };
}

/** One check by id, run now; an unknown id is not_found. */
export async function runCheck(id: string, options: Partial<DiagnosticsOptions> = {}): Promise<CheckResult> {
  const check = CHECKS.find((c) => c.id === id);
  if (!check) throw new FleetError("not_found", `There is no check ${JSON.stringify(id.slice(0, 64))}; the checks are ${CHECKS.map((c) => c.id).join(", ")}`);
  return (await run([check], options))[0];
}
