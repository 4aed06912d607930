import { describe, expect, it } from "vitest";
import { CannotRun, type Check } from "./model";
import { fakeContext, prometheusDown } from "./fake-context";
import { runChecks, runOne } from "./run";

const check = (id: string, run: Check["run"]): Check => ({ id, title: id, run });

describe("running checks", () => {
  it("runs checks in parallel, each bounded: a slow one warns after its deadline, never passes", async () => {
    const started = Date.now();
    const results = await runChecks(
      [
        check("slow", () => new Promise((resolve) => setTimeout(() => resolve({ status: "pass", evidence: [], fix: null }), 5_000))),
        check("slow2", () => new Promise((resolve) => setTimeout(() => resolve({ status: "pass", evidence: [], fix: null }), 5_000))),
        check("quick", async () => ({ status: "pass", evidence: ["ok"], fix: null })),
      ],
      fakeContext(),
      [],
      200,
    );
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(results.map((r) => [r.id, r.status])).toEqual([["slow", "warn"], ["slow2", "warn"], ["quick", "pass"]]);
    expect(results[0].evidence).toEqual(["cannot run: no answer within 0.2 s"]);
    expect(results[0].durationMs).toBeGreaterThanOrEqual(190);
  });

  it("aborts the check's signal when its time is up", async () => {
    let aborted = false;
    await runOne(check("x", (ctx) => new Promise((resolve) => ctx.signal.addEventListener("abort", () => { aborted = true; resolve({ status: "pass", evidence: [], fix: null }); }))), fakeContext(), [], 50);
    expect(aborted).toBe(true);
  });

  it("a check that throws warns with why: CannotRun, Prometheus unavailable, or any error", async () => {
    const [a, b, c] = await runChecks(
      [
        check("a", async () => { throw new CannotRun("no engine"); }),
        check("b", async () => { throw prometheusDown(); }),
        check("c", async () => { throw new TypeError("x is undefined"); }),
      ],
      fakeContext(),
      [],
    );
    expect([a.status, b.status, c.status]).toEqual(["warn", "warn", "warn"]);
    expect(a.evidence).toEqual(["cannot run: no engine"]);
    expect(b.evidence[0]).toMatch(/^cannot run: Prometheus unreachable: /);
    expect(c.evidence).toEqual(["cannot run: the check failed: x is undefined"]);
    expect(a.fix).not.toBeNull();
  });

  it("masks the deployment's secrets and credential shapes in evidence and fix", async () => {
    const r = await runOne(
      check("leaky", async () => ({ status: "fail", evidence: ["connect redis://:hunter2pw@redis:6379 failed", "pw is s3cret-db-pw"], fix: "use s3cret-db-pw" })),
      fakeContext(),
      ["s3cret-db-pw"],
    );
    expect(JSON.stringify(r)).not.toMatch(/hunter2pw|s3cret-db-pw/);
    expect(r.fix).toBe("use «masked»");
  });
});
