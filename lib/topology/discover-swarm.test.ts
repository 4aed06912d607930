import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { RuntimeUnit } from "@/lib/docker/runtime";
import type { SwarmNode } from "@/lib/synapse/plan-schema";

// A faked swarm manager (tests/swarm/discovery.test.ts uses the real one): services as units, three nodes.
const units: RuntimeUnit[] = [];
let nodes: SwarmNode[] = [];
const probed: Array<{ address: string | null; httpPort: number | null; tcpPort: number | null }> = [];
vi.mock("@/lib/docker/runtime", () => ({
  listUnits: async () => units,
  listRuntime: async () => ({ units, nodes }),
  withDetails: async (u: RuntimeUnit) => u,
  engineVersion: async () => ({ version: "20.10.24", apiVersion: "1.41" }),
}));
vi.mock("./version", () => ({ synapseVersion: async () => "1.160.0" }));
vi.mock("./health", () => ({
  probeHealth: async (state: string, _startedAt: string | null, t: (typeof probed)[number]) => {
    probed.push(t);
    return state === "running" ? "healthy" : "stopped";
  },
  probeAlive: async () => true,
}));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-discover-swarm-"));
const node = (n: number, over: Partial<SwarmNode> = {}): SwarmNode => ({
  id: `n${n}`, hostname: `node${n}`, role: n === 1 ? "manager" : "worker", availability: "active", state: "ready", address: `10.213.0.1${n}`, labels: {}, ...over,
});

function service(name: string, n: number, argv: string[], opts: Partial<RuntimeUnit> = {}): RuntimeUnit {
  const configs = argv.filter((_, i) => argv[i - 1] === "--config-path").map((p) => ({ source: path.join(dir, path.relative("/data", p)), destination: p }));
  return {
    id: `svc-${name}`, name: `fleetsw_${name}`, image: "synapse-fleet-lab:latest", state: "running", status: `task running on node${n}`, dockerHealth: null,
    labels: { "com.docker.stack.namespace": "fleetsw" }, argv, env: {}, mounts: configs, networks: [{ name: "fleetsw_default", ip: `10.214.1.${n + 10}` }],
    ports: [], createdAt: "2026-12-01T00:00:00Z", startedAt: "2026-12-01T00:00:01Z", placement: [],
    swarm: { node: { id: `n${n}`, hostname: `node${n}`, address: `10.213.0.1${n}` }, task: { id: `task-${name}`, state: "running", error: null } },
    ...opts,
  };
}

const synapse = (worker?: string) => ["python3", "-m", worker ? "synapse.app.generic_worker" : "synapse.app.homeserver", "--config-path", "/data/homeserver.yaml", ...(worker ? ["--config-path", `/data/workers/${worker}.yaml`] : [])];

beforeAll(() => {
  process.env.SYNAPSE_CONFIG_DIR = dir;
  fs.mkdirSync(path.join(dir, "workers"));
  fs.writeFileSync(path.join(dir, "homeserver.yaml"), "server_name: example.org\nlisteners:\n  - {port: 8008, type: http, resources: [{names: [client, federation]}]}\nfederation_sender_instances: [sender1]\n");
  fs.writeFileSync(path.join(dir, "workers", "generic1.yaml"), "worker_app: synapse.app.generic_worker\nworker_name: generic1\nworker_listeners:\n  - {type: http, port: 8009, resources: [{names: [client]}]}\n");
  fs.writeFileSync(path.join(dir, "workers", "sender1.yaml"), "worker_app: synapse.app.generic_worker\nworker_name: sender1\nworker_listeners:\n  - {type: metrics, port: 9003}\n");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.FLEET_SWARM_PROBE;
  delete process.env.FLEET_SWARM_NODE_ENGINES;
});

function deploy(over: { generic?: Partial<RuntimeUnit>; nodes?: SwarmNode[] } = {}) {
  nodes = over.nodes ?? [node(1), node(2), node(3)];
  units.splice(0, units.length,
    service("synapse", 1, synapse(), { ports: [{ container: 8008, host: 8008, protocol: "tcp" }], dockerHealth: "healthy" }),
    service("synapse-worker-generic", 2, synapse("generic1"), { ports: [{ container: 8009, host: 18009, protocol: "tcp" }], ...over.generic }),
    service("synapse-worker-federation-sender", 3, synapse("sender1")),
    service("redis", 1, ["redis-server", "--bind", "0.0.0.0"], { image: "redis:7" }),
  );
  probed.length = 0;
}

describe("discoverTopology on a swarm (faked manager, real config files)", () => {
  it("lists the nodes and gives each process its node and task", async () => {
    deploy();
    const { discoverTopology } = await import("./discover");
    const t = await discoverTopology();
    expect(t.nodes?.map((n) => n.hostname)).toEqual(["node1", "node2", "node3"]);
    const byName = Object.fromEntries(t.processes.map((p) => [p.name, p]));
    expect(Object.keys(byName).sort()).toEqual(["generic1", "main", "sender1"]);
    expect(byName.generic1.node).toEqual({ id: "n2", hostname: "node2", address: "10.213.0.12" });
    expect(byName.generic1.task).toEqual({ id: "task-synapse-worker-generic", state: "running", error: null });
    expect(byName.generic1.container?.id).toBe("svc-synapse-worker-generic");
    expect(byName.generic1.address).toBe("10.214.1.12");
  });

  it("probes through the node's address and the host port the http listener is published on", async () => {
    deploy();
    const { discoverTopology } = await import("./discover");
    await discoverTopology();
    expect(probed).toContainEqual({ address: "10.213.0.12", httpPort: 18009, tcpPort: null });
    expect(probed).toContainEqual({ address: "10.213.0.11", httpPort: 8008, tcpPort: null });
  });

  it("probes the overlay address and the listener's own port when the dashboard is on the overlay", async () => {
    deploy();
    process.env.FLEET_SWARM_PROBE = "overlay";
    const { discoverTopology } = await import("./discover");
    await discoverTopology();
    expect(probed).toContainEqual({ address: "10.214.1.12", httpPort: 8009, tcpPort: null });
    expect(probed).toContainEqual({ address: "10.214.1.13", httpPort: null, tcpPort: 9003 });
  });

  it("does not guess the health of a task it cannot reach: Swarm's healthcheck verdict, else unknown", async () => {
    deploy();
    const { discoverTopology } = await import("./discover");
    const t = await discoverTopology();
    // The federation sender's metrics port is not published: nothing on the host reaches it.
    expect(t.processes.find((p) => p.name === "sender1")?.health).toBe("unknown");
    deploy({ generic: { ports: [], dockerHealth: "healthy" } });
    const again = await discoverTopology();
    expect(again.processes.find((p) => p.name === "generic1")?.health).toBe("healthy");
  });

  it("flags a worker pinned to a drained node and warns naming both; a worker free to move is not flagged", async () => {
    deploy({ generic: { placement: ["node.hostname == node2"] }, nodes: [node(1), node(2, { availability: "drain" }), node(3)] });
    const { discoverTopology } = await import("./discover");
    const t = await discoverTopology();
    expect(t.processes.find((p) => p.name === "generic1")?.stranded).toBe(true);
    expect(t.warnings.find((w) => w.includes("stranded"))).toMatch(/generic1 .*node2.*drained/);
    deploy({ nodes: [node(1), node(2, { availability: "drain" }), node(3)] });
    const free = await discoverTopology();
    expect(free.processes.find((p) => p.name === "generic1")?.stranded).toBeUndefined();
  });

  it("names a stack's services without the stack prefix, keyed by service id, with their node", async () => {
    deploy();
    const { discoverTopology } = await import("./discover");
    const t = await discoverTopology();
    expect(t.services).toEqual([{ kind: "redis", name: "redis", state: "running", health: "healthy", image: "redis:7", containerId: "svc-redis", node: { id: "n1", hostname: "node1", address: "10.213.0.11" } }]);
  });

  it("says why a running task has no stats when its node's engine is not configured", async () => {
    deploy();
    process.env.FLEET_SWARM_NODE_ENGINES = "node1=unix:///nonexistent/node1.sock";
    const { discoverTopology } = await import("./discover");
    const t = await discoverTopology();
    expect(t.processes.find((p) => p.name === "main")?.statsUnavailable).toBeUndefined();
    expect(t.processes.find((p) => p.name === "generic1")?.statsUnavailable).toMatch(/node engine not configured for node2/);
  });
});
