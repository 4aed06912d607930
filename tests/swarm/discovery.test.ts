import { beforeAll, describe, expect, it } from "vitest";
import type { Topology } from "@/lib/contract/topology";
import { eventually } from "../lab-env";

/**
 * Discovery against the swarm lab (lab/swarm/README.md): the stack fleetsw on three nodes, read
 * through the manager's API, probed from the host through the nodes' addresses. Read-only.
 */
function requireSwarmLab(): { manager: string; configDir: string } {
  const manager = process.env.FLEET_LAB_SWARM_MANAGER;
  const configDir = process.env.FLEET_LAB_SWARM_CONFIG_DIR;
  if (!manager || !configDir) throw new Error('the swarm lab env is not set: set -a; eval "$(bash lab/swarm/swarm.sh env)"; set +a (and bash lab/swarm/swarm.sh up)');
  return { manager, configDir };
}

// The dashboard on the swarm: its engine is the manager, its config dir the swarm lab's.
const lab = requireSwarmLab();
process.env.DOCKER_HOST = lab.manager;
process.env.SYNAPSE_CONFIG_DIR = lab.configDir;
delete process.env.FLEET_RUNTIME;
delete process.env.FLEET_SWARM_PROBE;

const expectedNode: Record<string, string> = { main: "node1", media_worker: "node1", generic_worker1: "node2", federation_sender1: "node3" };
const nodeAddress: Record<string, string> = { node1: "10.213.0.11", node2: "10.213.0.12", node3: "10.213.0.13" };

describe("discovery on the swarm lab", () => {
  let t: Topology;
  beforeAll(async () => {
    const { discoverTopology } = await import("@/lib/topology/discover");
    t = await eventually(async () => {
      const topo = await discoverTopology();
      const http = topo.processes.filter((p) => p.name !== "federation_sender1");
      return topo.processes.length >= 4 && http.every((p) => p.health === "healthy") ? topo : null;
    }, 90_000, "main, generic_worker1 and media_worker healthy on the swarm");
  });

  it("lists the three nodes with their roles, state and addresses", () => {
    expect(t.nodes?.map((n) => `${n.hostname} ${n.role} ${n.availability} ${n.state} ${n.address}`).sort()).toEqual([
      "node1 manager active ready 10.213.0.11",
      "node2 worker active ready 10.213.0.12",
      "node3 worker active ready 10.213.0.13",
    ]);
  });

  it("finds main and the three workers, each on its node as the stack places them, keyed by service id", async () => {
    const byName = Object.fromEntries(t.processes.map((p) => [p.name, p]));
    expect(Object.keys(byName).sort()).toEqual(["federation_sender1", "generic_worker1", "main", "media_worker"]);
    expect(byName.generic_worker1).toMatchObject({ type: "generic", configFile: "workers/generic_worker1.yaml", state: "running" });
    expect(byName.media_worker.type).toBe("media");
    expect(byName.federation_sender1.type).toBe("federation_sender");
    for (const [name, hostname] of Object.entries(expectedNode)) {
      expect(byName[name].node, name).toMatchObject({ hostname, address: nodeAddress[hostname] });
      expect(byName[name].task?.state, name).toBe("running");
    }
    const Docker = (await import("dockerode")).default;
    const services = await new Docker({ socketPath: lab.manager.replace(/^unix:\/\//, "") }).listServices();
    const generic = services.find((s) => s.Spec?.Name === "fleetsw_synapse-worker-generic");
    expect(byName.generic_worker1.container?.id).toBe(generic?.ID);
  });

  it("is healthy through the nodes' addresses and published ports; the overlay-only federation sender is not guessed", async () => {
    const byName = Object.fromEntries(t.processes.map((p) => [p.name, p]));
    for (const name of ["main", "generic_worker1", "media_worker"]) expect(byName[name].health, name).toBe("healthy");
    // No healthcheck in the stack and its metrics port is reachable on the overlay only.
    expect(byName.federation_sender1.health).toBe("unknown");
    const { discoverDrafts } = await import("@/lib/topology/discover");
    const { drafts } = await discoverDrafts();
    const probe = Object.fromEntries(drafts.map((d) => [d.name, d.probe]));
    expect(probe.generic_worker1).toEqual({ address: "10.213.0.12", httpPort: 8009, tcpPort: null });
    expect(probe.main).toEqual({ address: "10.213.0.11", httpPort: 8008, tcpPort: null });
    expect(probe.media_worker).toEqual({ address: "10.213.0.11", httpPort: 8010, tcpPort: null });
    // The executor's replication check matches Redis's CLIENT LIST against these: the task's overlay address.
    const generic = drafts.find((d) => d.name === "generic_worker1")!;
    expect(generic.unit?.networks).toEqual([{ name: "fleetsw_default", ip: expect.stringMatching(/^10\.214\.\d+\.\d+$/) }]);
  });

  it("lists PostgreSQL, Redis and Prometheus as services under their stack names, on node1", () => {
    const svc = t.services.map((s) => `${s.kind} ${s.name} ${s.state} ${s.node?.hostname}`).sort();
    expect(svc).toEqual(["postgres postgres running node1", "prometheus prometheus running node1", "redis redis running node1"]);
  });

  it("reads server name, Synapse version and Docker version through the manager, with no warnings", () => {
    expect(t.serverName).toBe("fleet.test");
    expect(t.synapseVersion).toMatch(/^1\.\d+/);
    expect(t.docker).toMatchObject({ reachable: true, error: null });
    expect(t.warnings).toEqual([]);
  });
});
