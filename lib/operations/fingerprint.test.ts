import { describe, expect, it } from "vitest";
import { FleetError } from "@/lib/errors";
import type { Plan } from "@/lib/synapse/plan-schema";
import { confirmedPlanner, expectedFingerprint, planFingerprint, PlanChangedError } from "./fingerprint";

const plan = (password: string): Plan => ({
  intent: { kind: "rollback_to_single_process" },
  summary: "Roll back",
  files: [{ path: "homeserver.yaml", before: `database:\n  args:\n    password: ${password}\n`, after: "x: 1\n" }],
  steps: [{ kind: "write_files", reason: "r" }],
  restarts: [],
  destructive: true,
  expected: [],
  warnings: [],
});

describe("plan fingerprints", () => {
  it("are equal for equal plans and differ when anything differs, a secret included", () => {
    expect(planFingerprint(plan("one"))).toBe(planFingerprint(plan("one")));
    expect(planFingerprint(plan("one"))).not.toBe(planFingerprint(plan("two")));
    expect(planFingerprint(plan("one"))).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("read If-Match quoted, weak or bare, and refuse anything else as bad input", () => {
    const fp = planFingerprint(plan("one"));
    expect(expectedFingerprint(null)).toBeNull();
    expect(expectedFingerprint("")).toBeNull();
    expect(expectedFingerprint(`"${fp}"`)).toBe(fp);
    expect(expectedFingerprint(`W/"${fp}"`)).toBe(fp);
    expect(expectedFingerprint(fp)).toBe(fp);
    for (const bad of ["*", `"${fp}", "${fp}"`, "x".repeat(5000), `"${fp.slice(1)}"`]) {
      const err = (() => {
        try {
          expectedFingerprint(bad);
        } catch (e) {
          return e;
        }
      })();
      expect(err, bad.slice(0, 40)).toBeInstanceOf(FleetError);
      expect((err as FleetError).code).toBe("invalid");
    }
  });

  it("let the planner's plan through when it is the one confirmed, else refuse with the new plan, masked", () => {
    const confirmed = planFingerprint(plan("one"));
    expect(confirmedPlanner(() => plan("one"), confirmed)()).toEqual(plan("one"));
    expect(confirmedPlanner(() => plan("two"), null)()).toEqual(plan("two"));
    let err: unknown;
    try {
      confirmedPlanner(() => plan("s3cret-two"), confirmed)();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PlanChangedError);
    const details = (err as PlanChangedError).details!;
    expect(details.reason).toBe("plan_changed");
    expect(details.fingerprint).toBe(planFingerprint(plan("s3cret-two")));
    expect(JSON.stringify(details.plan)).not.toContain("s3cret-two");
    expect(JSON.stringify(details.plan)).toContain("«masked»");
  });
});
