import "server-only";
import { existsSync, writeFileSync } from "node:fs";
import type { ExecutorDeps, StepRecord } from "./state";

/**
 * Test-only hooks of the operation service, each inert unless FLEET_TEST_HOOKS=1: they let the
 * integration tests break a real operation at an exact step boundary (tests/crash.test.ts,
 * tests/engine-restart.test.ts, tests/compensation.test.ts). Every other environment gets none of it.
 */

type Env = Record<string, string | undefined>;

const hooksOn = (env: Env) => env.FLEET_TEST_HOOKS === "1";

/** The plan step index an env variable names, or null (unset, not a whole number). */
function stepIndex(value: string | undefined): number | null {
  return value !== undefined && /^\d{1,4}$/.test(value) ? Number(value) : null;
}

/**
 * After step FLEET_TEST_PAUSE_AFTER_STEP of the plan succeeded and is on record, write
 * FLEET_TEST_PAUSE_FILE and wait — for good, so a test can kill -9 the process at exactly that
 * step boundary, or until FLEET_TEST_RESUME_FILE exists, so a test can break something (stop the
 * engine, a container, Redis) between two steps.
 */
export async function testPause(step: StepRecord, env: Env = process.env): Promise<void> {
  if (!hooksOn(env) || step.status !== "succeeded" || String(step.index) !== env.FLEET_TEST_PAUSE_AFTER_STEP) return;
  if (env.FLEET_TEST_PAUSE_FILE) writeFileSync(env.FLEET_TEST_PAUSE_FILE, `${step.index}\n`);
  // With FLEET_TEST_RESUME_FILE: go on once the test has made it (it broke something meanwhile).
  const resume = env.FLEET_TEST_RESUME_FILE;
  for (;;) {
    if (resume && existsSync(resume)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The failure FLEET_TEST_FAIL_AFTER_STEP injects; its message is what the failed step records. */
export class InjectedStepFailure extends Error {
  constructor(readonly afterStep: number) {
    super(`injected by FLEET_TEST_FAIL_AFTER_STEP=${afterStep}: this step failed as it began to act`);
    this.name = "InjectedStepFailure";
  }
}

/**
 * After plan step FLEET_TEST_FAIL_AFTER_STEP succeeded (and, with the pause, after the test
 * resumed it), the next step fails as it begins to act: its first use of the runner, the health
 * checker or the config dir throws, once. So the failure lands on the next step, whatever its kind,
 * before it changed anything, and compensation then undoes steps 0…N exactly as after a real
 * failure there. Returns `deps` itself when the hook is off, or names no step that has a next one.
 */
export function withTestFailure(deps: ExecutorDeps, planSteps: number, env: Env = process.env): ExecutorDeps {
  const after = stepIndex(env.FLEET_TEST_FAIL_AFTER_STEP);
  if (!hooksOn(env) || after === null || after + 1 >= planSteps) return deps;
  let armed = false;
  let fired = false;
  // One shot: compensation and the failure's log tail use the same dependencies afterwards.
  const unlessArmed = <T>(value: T): T => {
    if (!armed) return value;
    armed = false;
    throw new InjectedStepFailure(after);
  };
  return {
    ...deps,
    get runner() {
      return unlessArmed(deps.runner);
    },
    get health() {
      return unlessArmed(deps.health);
    },
    get dir() {
      return unlessArmed(deps.dir);
    },
    onStep: async (step) => {
      await deps.onStep(step);
      // Undo steps are numbered after the plan's: `after + 1 < planSteps` keeps them out.
      if (!fired && step.index === after && step.status === "succeeded") {
        fired = true;
        armed = true;
      }
    },
  };
}
