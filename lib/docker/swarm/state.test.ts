import { describe, expect, it } from "vitest";
import { serviceState, type TaskLike } from "./state";

const task = (id: string, created: string, desired: string, state: string, exit?: number): TaskLike => ({
  ID: id,
  CreatedAt: created,
  DesiredState: desired,
  Status: { State: state, ...(exit === undefined ? {} : { ContainerStatus: { ExitCode: exit } }) },
});

describe("serviceState", () => {
  it("is created for a service never scaled up", () => {
    expect(serviceState(0, [])).toMatchObject({ state: "created", task: null });
  });

  it("is running while the current task runs or starts (health pending)", () => {
    expect(serviceState(1, [task("a", "1", "running", "running")]).state).toBe("running");
    expect(serviceState(1, [task("a", "1", "running", "starting")]).state).toBe("running");
  });

  it("picks the newest task meant to run, not an older one shut down", () => {
    const s = serviceState(1, [task("old", "2", "shutdown", "shutdown", 0), task("new", "1", "running", "preparing")]);
    expect(s).toMatchObject({ state: "created", task: { ID: "new" } });
  });

  it("is exited with the last exit code once scaled to 0", () => {
    expect(serviceState(0, [task("a", "1", "shutdown", "shutdown", 137)])).toMatchObject({ state: "exited", exitCode: 137 });
  });

  it("is restarting when meant to run but its task failed", () => {
    expect(serviceState(1, [task("a", "1", "running", "failed", 1)])).toMatchObject({ state: "restarting", exitCode: 1 });
  });
});
