import { describe, expect, it } from "vitest";
import type { RuntimeUnit } from "@/lib/docker/runtime";
import type { SwarmNode } from "@/lib/synapse/plan-schema";
import { converging, swarmChanges } from "./swarm-live";

function unit(id: string, node: number, over: { state?: string; task?: string; taskState?: string; ip?: string } = {}): RuntimeUnit {
  return {
    id, name: id, image: "img", state: over.state ?? "running", status: "", dockerHealth: null, labels: {}, argv: [], env: {}, mounts: [],
    networks: [{ name: "fleetsw_default", ip: over.ip ?? `10.214.1.${node}` }], ports: [], createdAt: "", startedAt: null,
    swarm: {
      node: { id: `n${node}`, hostname: `node${node}`, address: `10.213.0.1${node}` },
      task: over.task === "none" ? null : { id: over.task ?? `t-${id}`, state: over.taskState ?? "running", error: null },
    },
  };
}

const seenOf = (units: RuntimeUnit[]) => {
  const m = new Map<string, { state: string; taskId: string | null; taskState: string | null; nodeId: string | null; address: string | null }>();
  for (const u of units) m.set(u.id, { state: u.state, taskId: u.swarm?.task?.id ?? null, taskState: u.swarm?.task?.state ?? null, nodeId: u.swarm?.node?.id ?? null, address: u.networks[0]?.ip ?? null });
  return m;
};

describe("swarmChanges", () => {
  it("says nothing when nothing changed", () => {
    const units = [unit("gw", 2), unit("main", 1)];
    expect(swarmChanges(seenOf(units), units)).toEqual([]);
  });

  it("moves a card when its task runs on another node, and starts it again (a new task to probe)", () => {
    const before = seenOf([unit("gw", 2)]);
    const after = unit("gw", 3, { task: "t2", ip: "10.214.1.30" });
    expect(swarmChanges(before, [after])).toEqual([
      { kind: "placement", unit: after },
      { kind: "state", id: "gw", action: "task_running", state: "running" },
    ]);
  });

  it("follows a drain through its steps: the new task pending, then running elsewhere", () => {
    const before = seenOf([unit("gw", 2)]);
    const pending = { ...unit("gw", 2, { state: "created", task: "t2", taskState: "pending" }), networks: [], swarm: { node: null, task: { id: "t2", state: "pending", error: null } } };
    const mid = swarmChanges(before, [pending]);
    expect(mid.map((c) => (c.kind === "state" ? `${c.state}` : "placement"))).toEqual(["placement", "created"]);
    const running = unit("gw", 3, { task: "t2" });
    expect(swarmChanges(seenOf([pending]), [running]).map((c) => (c.kind === "state" ? `${c.state}` : "placement"))).toEqual(["placement", "running"]);
  });

  it("a new service is created (the browser fetches again), a removed one removed", () => {
    expect(swarmChanges(seenOf([unit("old", 1)]), [unit("new", 1)])).toEqual([
      { kind: "state", id: "new", action: "create", state: "created" },
      { kind: "state", id: "new", action: "task_running", state: "running" },
      { kind: "state", id: "old", action: "remove", state: "removed" },
    ]);
  });

  it("a stop is a state change in place", () => {
    const stopped = unit("gw", 2, { state: "exited", taskState: "shutdown" });
    expect(swarmChanges(seenOf([unit("gw", 2)]), [{ ...stopped, networks: [] }])).toEqual([
      { kind: "placement", unit: { ...stopped, networks: [] } },
      { kind: "state", id: "gw", action: "task_shutdown", state: "exited" },
    ]);
  });
});

describe("converging", () => {
  const ready: SwarmNode[] = [1, 2].map((n) => ({ id: `n${n}`, hostname: `node${n}`, role: "worker", availability: "active", state: "ready", address: null, labels: {} }));
  it("is true while a task is on its way or a node is not ready, false when all run or are stopped on purpose", () => {
    expect(converging([unit("a", 1)], ready)).toBe(false);
    expect(converging([unit("a", 1, { state: "exited", taskState: "shutdown" })], ready)).toBe(false);
    expect(converging([unit("a", 1, { state: "created", task: "none" })], ready)).toBe(false);
    expect(converging([unit("a", 1, { taskState: "starting" })], ready)).toBe(true);
    expect(converging([unit("a", 1, { state: "created", taskState: "pending" })], ready)).toBe(true);
    expect(converging([unit("a", 1, { state: "restarting", taskState: "failed" })], ready)).toBe(true);
    expect(converging([unit("a", 1)], [...ready, { ...ready[0], id: "n3", state: "down" }])).toBe(true);
  });
});
