import { describe, expect, it } from "vitest";
import { pickServiceTask, type SwarmListing } from "./task-logs";

function listing(tasks: Array<Record<string, unknown>>, replicas = 1): SwarmListing {
  return {
    services: new Map([["svc", { ID: "svc", Spec: { Mode: { Replicated: { Replicas: replicas } } } }]]),
    tasksOf: new Map([["svc", tasks as never]]),
    nodes: new Map([
      ["n2", { ID: "n2", Description: { Hostname: "node2" }, Status: { State: "ready" } }],
      ["n3", { ID: "n3", Description: { Hostname: "node3" }, Status: { State: "down" } }],
    ]),
  };
}

const old = { ID: "t1", NodeID: "n2", DesiredState: "shutdown", CreatedAt: "2026-12-01T10:00:00Z", Status: { State: "shutdown", ContainerStatus: { ContainerID: "c1" } } };
const now = { ID: "t2", NodeID: "n3", DesiredState: "running", CreatedAt: "2026-12-01T10:05:00Z", Status: { State: "running", ContainerStatus: { ContainerID: "c2" } }, Spec: { ContainerSpec: { TTY: true } } };

describe("pickServiceTask", () => {
  it("reads the task meant to run, with its node's hostname and state and its container", () => {
    expect(pickServiceTask("svc", listing([old, now]))).toEqual({
      state: "running",
      task: { id: "t2", serviceId: "svc", node: "node3", nodeState: "down", containerId: "c2", state: "running", error: null, tty: true },
    });
  });
  it("says a replaced task is not running yet while the new one is prepared", () => {
    const preparing = { ...now, Status: { State: "preparing", ContainerStatus: {} } };
    expect(pickServiceTask("svc", listing([old, preparing]))).toMatchObject({ state: "created", task: { id: "t2", containerId: null } });
  });
  it("knows no service that is not listed, and a service with no task", () => {
    expect(pickServiceTask("other", listing([now]))).toBeNull();
    expect(pickServiceTask("svc", listing([], 0))).toEqual({ state: "created", task: null });
  });
});
