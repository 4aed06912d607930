import { describe, expect, it } from "vitest";
import { planIntent } from "./plan";
import { labSnapshot } from "./fixtures/lab";
import { stepLines } from "./fixtures/plan-helpers";

describe("start, stop, restart", () => {
  it("restart is one step then a health wait", () => {
    const plan = planIntent({ kind: "restart", name: "media_worker" }, { snapshot: labSnapshot() });
    expect(stepLines(plan)).toEqual(["restart media_worker", "wait_healthy media_worker"]);
    expect(plan.restarts).toEqual([{ process: "media_worker", reason: "asked by the operator" }]);
    expect(plan.destructive).toBe(true);
  });

  it("stop waits for nothing and warns about a stopped stream writer", () => {
    const plan = planIntent({ kind: "stop", name: "generic_worker1" }, { snapshot: labSnapshot() });
    expect(stepLines(plan)).toEqual(["stop generic_worker1"]);
    expect(plan.warnings.join(" ")).toMatch(/hang 20 s/);
    expect(plan.expected.map((p) => p.name)).not.toContain("generic_worker1");
  });

  it("start refuses a running process and starts a stopped one", () => {
    expect(() => planIntent({ kind: "start", name: "main" }, { snapshot: labSnapshot() })).toThrow(/already running/);
    const snapshot = labSnapshot();
    snapshot.processes[2].state = "exited";
    const plan = planIntent({ kind: "start", name: "media_worker" }, { snapshot });
    expect(stepLines(plan)).toEqual(["start media_worker", "wait_healthy media_worker"]);
    expect(plan.destructive).toBe(false);
  });

  it("refuses an unknown process", () => {
    expect(() => planIntent({ kind: "restart", name: "ghost" }, { snapshot: labSnapshot() })).toThrow(/no process named ghost/);
  });
});
