import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { DockerUnavailableError } from "../client";
import { listSwarmUnits, type RawNode, type RawService, type RawTask } from "./units";

// A faked manager that records each call, and whether the service listing had answered when it was
// made: a call made before is in the first round, one made after waited for it.

const node: RawNode = { ID: "n1", Spec: { Role: "manager", Availability: "active" }, Description: { Hostname: "node1" }, Status: { State: "ready", Addr: "10.213.0.11" } };
const svc = (id: string, replicas: number): RawService => ({
  ID: id,
  Spec: { Name: id, Mode: { Replicated: { Replicas: replicas } }, TaskTemplate: { ContainerSpec: { Image: "synapse-fleet-lab:latest", Args: ["python3", "-m", "synapse.app.generic_worker"] } } },
});
const runningTask = (service: string): RawTask => ({ ID: `t-${service}`, ServiceID: service, NodeID: "n1", DesiredState: "running", CreatedAt: "2026-12-01T00:00:00Z", Status: { State: "running" } });
const endedTask = (service: string): RawTask => ({ ID: `t-${service}-old`, ServiceID: service, NodeID: "n1", DesiredState: "shutdown", CreatedAt: "2026-12-01T00:00:00Z", Status: { State: "shutdown", ContainerStatus: { ExitCode: 0 } } });

interface Call {
  what: string;
  afterServices: boolean;
}

function fakeManager(state: { services: RawService[]; failTasksOf?: (ids: string[]) => Error | null }) {
  const calls: Call[] = [];
  let servicesAnswered = false;
  const api = {
    listNodes: async () => {
      calls.push({ what: "nodes", afterServices: servicesAnswered });
      return [node];
    },
    listServices: async () => {
      calls.push({ what: "services", afterServices: servicesAnswered });
      await new Promise((resolve) => setTimeout(resolve, 5));
      servicesAnswered = true;
      return state.services;
    },
    listTasks: async (opts: { filters: string }) => {
      const filters = JSON.parse(opts.filters) as { service?: string[]; "desired-state"?: string[] };
      calls.push({ what: filters.service ? `ended of ${filters.service.join(",")}` : "running tasks", afterServices: servicesAnswered });
      if (!filters.service) return state.services.filter((s) => s.Spec?.Mode?.Replicated?.Replicas !== 0).map((s) => runningTask(s.ID));
      const err = state.failTasksOf?.(filters.service);
      if (err) throw err;
      return filters.service.map(endedTask);
    },
  };
  return { api: api as unknown as Docker, calls, reset: () => ((servicesAnswered = false), calls.splice(0)) };
}

const stateOf = (units: Array<{ id: string; state: string }>) => Object.fromEntries(units.map((u) => [u.id, u.state]));

describe("listSwarmUnits: one round of manager calls", () => {
  it("lists nodes, services and running tasks at once, and nothing more while no service is stopped", async () => {
    const m = fakeManager({ services: [svc("a", 1), svc("b", 1)] });
    const { units, nodes } = await listSwarmUnits(m.api, null);
    expect(m.calls.map((c) => c.what).sort()).toEqual(["nodes", "running tasks", "services"]);
    expect(m.calls.every((c) => !c.afterServices)).toBe(true);
    expect(stateOf(units)).toEqual({ a: "running", b: "running" });
    expect(nodes.map((n) => n.hostname)).toEqual(["node1"]);
  });

  it("asks for a stopped service's last tasks after the services the first time, and in the same round from then on", async () => {
    const m = fakeManager({ services: [svc("a", 0), svc("b", 1)] });
    expect(stateOf((await listSwarmUnits(m.api, null)).units)).toEqual({ a: "exited", b: "running" });
    expect(m.calls.filter((c) => c.afterServices).map((c) => c.what)).toEqual(["ended of a"]);

    m.reset();
    expect(stateOf((await listSwarmUnits(m.api, null)).units)).toEqual({ a: "exited", b: "running" });
    expect(m.calls.map((c) => c.what).sort()).toEqual(["ended of a", "nodes", "running tasks", "services"]);
    expect(m.calls.every((c) => !c.afterServices)).toBe(true);
  });

  it("takes the manager's refusal of a stopped service removed since, and asks after the services for one stopped since", async () => {
    const state: Parameters<typeof fakeManager>[0] = { services: [svc("a", 0), svc("b", 1)] };
    const m = fakeManager(state);
    await listSwarmUnits(m.api, null);
    // a is removed, b stopped: the manager refuses a task listing that names a service it no longer has.
    state.services = [svc("b", 0)];
    state.failTasksOf = (ids) => (ids.includes("a") ? Object.assign(new Error("(HTTP code 404) no such service - service a not found"), { statusCode: 404 }) : null);
    m.reset();
    expect(stateOf((await listSwarmUnits(m.api, null)).units)).toEqual({ b: "exited" });
    expect(m.calls.filter((c) => c.afterServices).map((c) => c.what)).toEqual(["ended of b"]);
  });

  it("says the engine is unreachable when the early call for stopped services cannot reach it", async () => {
    const state: Parameters<typeof fakeManager>[0] = { services: [svc("a", 0)] };
    const m = fakeManager(state);
    await listSwarmUnits(m.api, null);
    state.failTasksOf = () => Object.assign(new Error("connect ECONNREFUSED /var/run/docker.sock"), { code: "ECONNREFUSED" });
    await expect(listSwarmUnits(m.api, null)).rejects.toBeInstanceOf(DockerUnavailableError);
  });
});
