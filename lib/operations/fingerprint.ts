import "server-only";
import { createHmac, randomBytes } from "node:crypto";
import { FleetError } from "@/lib/errors";
import type { Plan } from "@/lib/synapse/plan-schema";
import { maskPlan } from "@/lib/synapse/secrets";

/**
 * "Apply what was previewed": a preview answers with the plan's fingerprint (ETag), an apply may
 * send it back (If-Match), and the apply goes ahead only if planning again — under the operation
 * lock, on a fresh snapshot — gives the same plan. Otherwise the operator confirmed something else:
 * 409 with the new plan, nothing touched.
 *
 * The fingerprint covers the unmasked plan (a changed secret is a changed plan), so it is an HMAC
 * with a key of this process: a plain hash of text whose every other byte the caller sees would let
 * a viewer test guesses of a secret offline. A restarted dashboard asks for a new preview.
 */

const holder = globalThis as typeof globalThis & { __fleetPlanKey?: Buffer };
const key = (): Buffer => (holder.__fleetPlanKey ??= randomBytes(32));

export function planFingerprint(plan: Plan): string {
  // The planner builds equal plans with equal key order from equal deployments.
  return createHmac("sha256", key()).update(JSON.stringify(plan)).digest("base64url");
}

const FINGERPRINT = /^[A-Za-z0-9_-]{43}$/;

/** The fingerprint an If-Match header names (quoted, weak or bare), or null without one. */
export function expectedFingerprint(header: string | null): string | null {
  if (header === null || header.trim() === "") return null;
  const value = header.trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
  if (!FINGERPRINT.test(value)) throw new FleetError("invalid", "If-Match must be the ETag of a plan preview (POST /api/plans)");
  return value;
}

/** The deployment changed between the preview and the apply. */
export class PlanChangedError extends FleetError {
  constructor(plan: Plan, fingerprint: string) {
    super("conflict", "The deployment changed since this plan was previewed: review the new plan and apply it again", {
      reason: "plan_changed",
      fingerprint,
      plan: maskPlan(plan),
    });
    this.name = "PlanChangedError";
  }
}

/** Wraps a planner so it refuses a plan other than the one confirmed. */
export function confirmedPlanner<A extends unknown[]>(planner: (...args: A) => Plan, expected: string | null): (...args: A) => Plan {
  if (expected === null) return planner;
  return (...args: A) => {
    const plan = planner(...args);
    const fingerprint = planFingerprint(plan);
    if (fingerprint !== expected) throw new PlanChangedError(plan, fingerprint);
    return plan;
  };
}
