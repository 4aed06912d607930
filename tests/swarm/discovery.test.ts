import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LiveEvent, Topology } from "@/lib/contract/topology";
import { eventually } from "../lab-env";

/**
 * Discovery against the swarm lab (lab/swarm/README.md): the stack fleetsw on three nodes, read
 * through the manager's API, probed from the host through the nodes' addresses. The first part only
 * reads; the second drains node2 (run under `flock /tmp/swarm-tests.lock`).
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

/**
 * Live state through a drain of node2 (changes the lab: run under `flock /tmp/swarm-tests.lock`).
 * The generic worker is not pinned (the lab relaxes its start constraint), so Swarm moves it; its
 * card must follow through the events alone. Then it is pinned to node2 and node2 drained again:
 * stranded. The lab is put back as the README has it, also on failure.
 */
describe("live on the swarm lab: a drain moves a card, a pinned worker is stranded", () => {
  const GENERIC = "fleetsw_synapse-worker-generic";
  const PIN = "node.hostname == node2";
  const swarmDocker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8", env: { ...process.env, DOCKER_HOST: lab.manager } }).trim();
  const taskNode = () => {
    const id = swarmDocker("service", "ps", "-q", "--filter", "desired-state=running", GENERIC).split("\n")[0];
    if (!id) return null;
    const state = swarmDocker("inspect", "-f", "{{.Status.State}} {{.NodeID}}", id).split(" ");
    return state[0] === "running" ? swarmDocker("node", "inspect", "-f", "{{.Description.Hostname}}", state[1]) : null;
  };
  const constraints = () => swarmDocker("service", "inspect", "-f", "{{json .Spec.TaskTemplate.Placement.Constraints}}", GENERIC);
  const events: LiveEvent[] = [];
  let unsubscribe = () => {};

  afterAll(async () => {
    unsubscribe();
    swarmDocker("node", "update", "--availability", "active", "node2");
    if (!constraints().includes("node2") && taskNode() !== "node2") swarmDocker("service", "update", "--detach", "--constraint-add", PIN, GENERIC);
    await eventually(async () => taskNode() === "node2", 180_000, "the generic worker back on node2");
    if (constraints().includes("node2")) swarmDocker("service", "update", "--detach", "--constraint-rm", PIN, GENERIC);
  }, 240_000);

  it("moves the generic worker's card to its new node without a refetch, then reports it healthy", async () => {
    const { liveHub } = await import("@/lib/topology/live");
    const { engineEvents } = await import("@/lib/docker/events");
    const { discoverTopology } = await import("@/lib/topology/discover");
    const before = (await discoverTopology()).processes.find((p) => p.name === "generic_worker1")!;
    expect(before.node?.hostname).toBe("node2");
    const id = before.container!.id;
    unsubscribe = liveHub().subscribe((e) => events.push(e));
    await eventually(async () => engineEvents().reachable === true, 10_000, "the manager's event stream open");
    swarmDocker("node", "update", "--availability", "drain", "node2");
    const isMove = (e: LiveEvent) => e.type === "placement" && e.containerId === id && e.node !== null && e.node.hostname !== "node2";
    const movedAt = await eventually(async () => events.findIndex(isMove) + 1, 120_000, "a placement event of the generic worker on another node") - 1;
    const moved = events[movedAt];
    // Swarm calls the task running once its healthcheck passed; our own probe may say healthy first.
    await eventually(async () => events.slice(movedAt).some((e) => e.type === "health" && e.containerId === id && e.health === "healthy"), 120_000, "the moved worker healthy");
    const running = await eventually(async () => events.slice(movedAt).find((e) => isMove(e) && e.type === "placement" && e.task?.state === "running"), 60_000, "its task running there");
    expect(running.type === "placement" && running.address).toMatch(/^10\.214\./);
    expect(events).toContainEqual({ type: "node", nodeId: expect.any(String), state: "ready", availability: "drain" });
    // Discovery agrees with what the events said.
    const after = (await discoverTopology()).processes.find((p) => p.name === "generic_worker1")!;
    expect(after.node?.hostname).toBe(moved.type === "placement" ? moved.node?.hostname : "");
    expect(after.health).toBe("healthy");
  }, 300_000);

  it("flags the worker stranded when it is pinned to a drained node", async () => {
    swarmDocker("node", "update", "--availability", "active", "node2");
    swarmDocker("service", "update", "--detach", "--constraint-add", PIN, GENERIC);
    await eventually(async () => taskNode() === "node2", 180_000, "the generic worker back on node2 (pinned)");
    swarmDocker("node", "update", "--availability", "drain", "node2");
    const { discoverTopology } = await import("@/lib/topology/discover");
    const t = await eventually(async () => {
      const topo = await discoverTopology();
      return topo.processes.find((p) => p.name === "generic_worker1")?.stranded ? topo : null;
    }, 30_000, "generic_worker1 stranded");
    expect(t.warnings.find((w) => w.includes("stranded"))).toMatch(/^generic_worker1 is stranded: pinned to node node2, which is drained/);
    expect(t.processes.find((p) => p.name === "generic_worker1")?.state).not.toBe("running");
  }, 240_000);
});
