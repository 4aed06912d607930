import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { liveEventSchema, type LiveEvent, type StatsSample, type SynapseProcess, type Topology } from "@/lib/contract/topology";
import { appendSample, applyEventToCache, applyLiveEvent, liveEventTypes, STATS_HISTORY, topologyKey } from "./cache";

function proc(name: string, id: string | null, over: Partial<SynapseProcess> = {}): SynapseProcess {
  return {
    name,
    type: name === "main" ? "main" : "generic",
    streams: [],
    app: name === "main" ? "synapse.app.homeserver" : "synapse.app.generic_worker",
    configFile: name === "main" ? null : `workers/${name}.yaml`,
    state: "running",
    health: "healthy",
    listeners: [],
    ports: [],
    address: null,
    container: id ? { id, name: `c-${name}`, image: "synapse", createdAt: "2026-01-01T00:00:00.000Z", startedAt: "2026-01-01T00:00:01.000Z", composeProject: null, composeService: null } : null,
    stats: null,
    ...over,
  };
}

const sample = (cpu: number, time = cpu): StatsSample => ({ cpuPercent: cpu, memoryBytes: 100, memoryLimitBytes: null, networkRxBytesPerSecond: null, networkTxBytesPerSecond: null, time });

function topology(): Topology {
  return {
    serverName: "lab.test",
    synapseVersion: "1.0",
    configDir: "/data",
    docker: { reachable: true, version: "27", error: null },
    processes: [proc("main", "id-main", { stats: sample(5) }), proc("generic_worker1", "id-gw1", { stats: sample(7) }), proc("planned_worker", null, { state: "missing", health: "unknown" })],
    services: [{ kind: "redis", name: "redis", state: "running", health: "healthy", image: "redis", containerId: "id-redis" }],
    routes: [],
    warnings: [],
    prometheus: { url: null, source: "none" },
    generatedAt: "2026-01-01T00:00:02.000Z",
  };
}

const byName = (t: Topology, name: string) => t.processes.find((p) => p.name === name)!;

describe("applyLiveEvent", () => {
  it("stops the process whose container died, and only that one", () => {
    const t = topology();
    const before = structuredClone(t);
    const next = applyLiveEvent(t, { type: "container", containerId: "id-gw1", action: "die", state: "exited", time: 1_000 })!;
    expect(byName(next, "generic_worker1")).toMatchObject({ state: "exited", health: "stopped", stats: null, container: { id: "id-gw1", startedAt: null } });
    expect(byName(next, "main")).toBe(byName(t, "main"));
    expect(next.services).toEqual(t.services);
    expect(t).toEqual(before); // the cached object is not mutated: react-query compares by reference
  });

  it("marks a started process as starting, from the event's time, keeping its last sample", () => {
    const t = applyLiveEvent(topology(), { type: "container", containerId: "id-main", action: "die", state: "exited", time: 1_000 })!;
    const time = Date.UTC(2026, 0, 2, 3, 4, 5);
    const next = applyLiveEvent({ ...t, processes: t.processes.map((p) => (p.name === "main" ? { ...p, stats: sample(9) } : p)) }, { type: "container", containerId: "id-main", action: "start", state: "running", time })!;
    expect(byName(next, "main")).toMatchObject({ state: "running", health: "starting", stats: sample(9), container: { startedAt: "2026-01-02T03:04:05.000Z" } });
  });

  it("follows an infrastructure service's container", () => {
    const stopped = applyLiveEvent(topology(), { type: "container", containerId: "id-redis", action: "stop", state: "exited", time: 1 })!;
    expect(stopped.services[0]).toMatchObject({ state: "exited", health: "stopped" });
    expect(stopped.processes).toEqual(topology().processes);
    const running = applyLiveEvent(stopped, { type: "container", containerId: "id-redis", action: "start", state: "running", time: 2 })!;
    expect(running.services[0]).toMatchObject({ state: "running", health: "healthy" });
  });

  it("asks for a refetch when a container is removed, an unknown one is created or started, or the engine changes", () => {
    const t = topology();
    expect(applyLiveEvent(t, { type: "container", containerId: "id-gw1", action: "destroy", state: "removed", time: 1 })).toBeNull();
    expect(applyLiveEvent(t, { type: "container", containerId: "id-new", action: "create", state: "created", time: 1 })).toBeNull();
    expect(applyLiveEvent(t, { type: "container", containerId: "id-new", action: "start", state: "running", time: 1 })).toBeNull();
    expect(applyLiveEvent(t, { type: "engine", reachable: false, error: "connect ENOENT" })).toBeNull();
  });

  it("leaves the topology as it is (same object) for events it has nothing to change with", () => {
    const t = topology();
    const untouched: LiveEvent[] = [
      { type: "container", containerId: "id-other", action: "die", state: "exited", time: 1 },
      { type: "container", containerId: "id-gw1", action: "exec_start", state: null, time: 1 },
      { type: "health", containerId: "id-other", health: "unhealthy" },
      { type: "stats", containerId: "id-other", sample: sample(1) },
    ];
    for (const e of untouched) expect(applyLiveEvent(t, e)).toBe(t);
  });

  it("sets the health and the latest sample of the process the event names", () => {
    const t = topology();
    const sick = applyLiveEvent(t, { type: "health", containerId: "id-gw1", health: "unhealthy" })!;
    expect(sick.processes.map((p) => [p.name, p.health])).toEqual([
      ["main", "healthy"],
      ["generic_worker1", "unhealthy"],
      ["planned_worker", "unknown"],
    ]);
    const measured = applyLiveEvent(t, { type: "stats", containerId: "id-main", sample: sample(42) })!;
    expect(byName(measured, "main").stats).toEqual(sample(42));
    expect(byName(measured, "generic_worker1").stats).toEqual(sample(7));
  });
});

describe("applyEventToCache", () => {
  it("writes the updated topology into the query cache", () => {
    const qc = new QueryClient();
    const t = topology();
    qc.setQueryData(topologyKey, t);
    applyEventToCache(qc, { type: "health", containerId: "id-main", health: "unhealthy" });
    const cached = qc.getQueryData<Topology>(topologyKey)!;
    expect(cached).not.toBe(t);
    expect(byName(cached, "main").health).toBe("unhealthy");
    expect(qc.getQueryState(topologyKey)?.isInvalidated).toBe(false);
  });

  it("marks the cached topology stale when only a refetch can tell, keeping what is shown meanwhile", () => {
    const qc = new QueryClient();
    const t = topology();
    qc.setQueryData(topologyKey, t);
    applyEventToCache(qc, { type: "container", containerId: "id-new", action: "create", state: "created", time: 1 });
    expect(qc.getQueryState(topologyKey)?.isInvalidated).toBe(true);
    expect(qc.getQueryData(topologyKey)).toBe(t);
  });

  it("does not touch the cache for an unrelated event, nor create an entry before the first fetch", () => {
    const qc = new QueryClient();
    const t = topology();
    qc.setQueryData(topologyKey, t);
    const updatedAt = qc.getQueryState(topologyKey)!.dataUpdatedAt;
    applyEventToCache(qc, { type: "health", containerId: "id-other", health: "unhealthy" });
    expect(qc.getQueryData(topologyKey)).toBe(t);
    expect(qc.getQueryState(topologyKey)).toMatchObject({ dataUpdatedAt: updatedAt, isInvalidated: false });

    const empty = new QueryClient();
    applyEventToCache(empty, { type: "health", containerId: "id-main", health: "unhealthy" });
    expect(empty.getQueryData(topologyKey)).toBeUndefined();
  });

  it("asks a first fetch still under way again when the world changed since it began (engine, node, the swarm's first read)", () => {
    const qc = new QueryClient();
    void qc.prefetchQuery({ queryKey: topologyKey, queryFn: () => new Promise<Topology>(() => undefined) });
    applyEventToCache(qc, { type: "health", containerId: "id-main", health: "unhealthy" });
    expect(qc.getQueryState(topologyKey)?.isInvalidated).toBe(false);
    applyEventToCache(qc, { type: "engine", reachable: true, error: null });
    expect(qc.getQueryState(topologyKey)?.isInvalidated).toBe(true);
    expect(qc.getQueryData(topologyKey)).toBeUndefined();
  });
});

describe("appendSample", () => {
  it("keeps the newest samples, dropping the oldest past the sparkline's length", () => {
    let list: StatsSample[] = [];
    for (let i = 0; i < STATS_HISTORY + 5; i++) {
      const prev = list;
      list = appendSample(list, sample(i));
      expect(list).not.toBe(prev);
    }
    expect(list).toHaveLength(STATS_HISTORY);
    expect(list[0].cpuPercent).toBe(5);
    expect(list.at(-1)!.cpuPercent).toBe(STATS_HISTORY + 4);
  });
});

describe("the event types the page listens to", () => {
  it("are every type the stream sends (an SSE type without a listener is dropped: a swarm card would never follow its task)", () => {
    expect([...liveEventTypes].sort()).toEqual(liveEventSchema.options.map((o) => o.shape.type.value).sort());
  });
});
