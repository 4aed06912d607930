import { describe, expect, it } from "vitest";
import { planIntent } from "./plan";
import { PlanError, type DeploymentSnapshot, type SwarmNode } from "./plan-schema";
import { labSnapshot } from "./fixtures/lab";
import { createdSpec } from "./fixtures/plan-helpers";

const node = (hostname: string, over: Partial<SwarmNode> = {}): SwarmNode => ({
  id: `id-${hostname}`,
  hostname,
  role: hostname === "node1" ? "manager" : "worker",
  availability: "active",
  state: "ready",
  address: null,
  labels: {},
  ...over,
});

/** The lab as a swarm: main and the media worker on node1, generic_worker1 on node2, the sender on node3. */
function swarmSnapshot(nodes: SwarmNode[] = [node("node1"), node("node2"), node("node3")]): DeploymentSnapshot {
  const s = labSnapshot();
  const where: Record<string, { node: string; pin?: boolean }> = {
    main: { node: "node1", pin: true },
    media_worker: { node: "node1", pin: true },
    generic_worker1: { node: "node2" },
    federation_sender1: { node: "node3" },
  };
  for (const p of s.processes) if (p.container) p.container = { ...p.container, binds: ["/srv/config/homeserver.yaml:/data/homeserver.yaml:ro", "media:/data/media_store"], placement: where[p.name] };
  return { ...s, nodes };
}

const settings = { configDir: "/srv/config" };
/** The spec of the one container a plan creates. */
const created = (plan: ReturnType<typeof planIntent>) => {
  const step = plan.steps.find((s) => s.kind === "create_container");
  if (step?.kind !== "create_container") throw new Error("no container created");
  return step.spec;
};
const refusal = (fn: () => unknown): PlanError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof PlanError) return err;
    throw err;
  }
  throw new Error("not refused");
};

describe("placement on a swarm", () => {
  it("starts a worker on the node asked for, unpinned unless asked", () => {
    const plan = planIntent({ kind: "add_worker", type: "generic", placement: { node: "node3" } }, { snapshot: swarmSnapshot(), settings });
    expect(createdSpec(plan, "generic_worker2").placement).toEqual({ node: "node3" });
    // Prometheus on the swarm finds it by its service labels, job and index as the grafana dashboard tells processes apart.
    expect(createdSpec(plan, "generic_worker2").labels).toMatchObject({ "io.synapse-fleet.metrics.port": "9004", "io.synapse-fleet.metrics.job": "generic_worker", "io.synapse-fleet.metrics.index": "2" });
    // main's media volume is local to node1: a worker that may run elsewhere does not take it.
    expect(createdSpec(plan, "generic_worker2").binds).toEqual(["/srv/config/homeserver.yaml:/data/homeserver.yaml:ro"]);
    expect(plan.summary).toContain("on node3");
    const pinned = planIntent({ kind: "add_worker", type: "generic", placement: { node: "id-node2", pin: true } }, { snapshot: swarmSnapshot(), settings });
    expect(createdSpec(pinned, "generic_worker2").placement).toEqual({ node: "node2", pin: true });
  });

  it("spreads a scale-up over the nodes with the fewest Synapse processes", () => {
    const plan = planIntent({ kind: "scale", type: "generic", count: 4 }, { snapshot: swarmSnapshot(), settings });
    // node1 runs 2, node2 and node3 1 each: node2, node3, then a tie of three at 2 goes by hostname.
    expect(["generic_worker2", "generic_worker3", "generic_worker4"].map((n) => createdSpec(plan, n).placement?.node)).toEqual(["node2", "node3", "node1"]);
  });

  it("refuses an unknown node with 422, naming the known ones", () => {
    const err = refusal(() => planIntent({ kind: "add_worker", type: "generic", placement: { node: "node9" } }, { snapshot: swarmSnapshot(), settings }));
    expect(err.code).toBe("unprocessable");
    expect(err.message).toContain("node1 (active), node2 (active), node3 (active)");
    expect(err.details).toMatchObject({ reason: "unknown_node", nodes: ["node1", "node2", "node3"] });
  });

  it("refuses a drained or down node, and labels no node carries", () => {
    const snapshot = swarmSnapshot([node("node1"), node("node2", { availability: "drain" }), node("node3", { state: "down" })]);
    expect(refusal(() => planIntent({ kind: "add_worker", type: "generic", placement: { node: "node2" } }, { snapshot, settings })).details).toMatchObject({ reason: "node_unavailable" });
    expect(refusal(() => planIntent({ kind: "add_worker", type: "generic", placement: { node: "node3" } }, { snapshot, settings })).message).toContain("node3 is down");
    expect(refusal(() => planIntent({ kind: "add_worker", type: "generic", placement: { labels: { disk: "ssd" } } }, { snapshot, settings })).details).toMatchObject({ reason: "labels_unmatched" });
    // Spread never picks a node that takes no tasks.
    expect(createdSpec(planIntent({ kind: "add_worker", type: "generic" }, { snapshot, settings }), "generic_worker2").placement?.node).toBe("node1");
  });

  it("keeps labels as lasting constraints and picks a node that carries them", () => {
    const snapshot = swarmSnapshot([node("node1"), node("node2"), node("node3", { labels: { disk: "ssd" } })]);
    const spec = createdSpec(planIntent({ kind: "add_worker", type: "generic", placement: { labels: { disk: "ssd" } } }, { snapshot, settings }), "generic_worker2");
    expect(spec.placement).toEqual({ node: "node3", labels: { disk: "ssd" } });
  });

  it("pins a media worker to main's node (the media store), and refuses another node unless the store is shared", () => {
    const snapshot = swarmSnapshot();
    const media = created(planIntent({ kind: "add_worker", type: "media" }, { snapshot, settings }));
    expect(media.placement).toEqual({ node: "node1", pin: true });
    expect(media.binds).toContain("media:/data/media_store");
    expect(refusal(() => planIntent({ kind: "add_worker", type: "media", placement: { node: "node2" } }, { snapshot, settings })).details).toMatchObject({ reason: "media_store_node" });
    const shared = planIntent({ kind: "add_worker", type: "media", placement: { node: "node2" } }, { snapshot, settings: { ...settings, sharedMediaStore: true } });
    expect(created(shared).placement).toEqual({ node: "node2" });
    expect(created(shared).binds).toContain("media:/data/media_store");
  });

  it("refuses a host bind outside the config dir, and any placement on plain containers", () => {
    const snapshot = swarmSnapshot();
    const main = snapshot.processes.find((p) => p.name === "main")!.container!;
    main.binds = [...main.binds, "/var/lib/something:/data/other"];
    expect(refusal(() => planIntent({ kind: "add_worker", type: "generic" }, { snapshot, settings })).details).toMatchObject({ reason: "host_bind", bind: "/var/lib/something:/data/other" });
    const err = refusal(() => planIntent({ kind: "add_worker", type: "generic", placement: { node: "node2" } }, { snapshot: labSnapshot() }));
    expect(err.details).toMatchObject({ reason: "single_host" });
    // Without placement, plain containers plan as before: no placement on the spec.
    expect(createdSpec(planIntent({ kind: "add_worker", type: "generic" }, { snapshot: labSnapshot() }), "generic_worker2").placement).toBeUndefined();
  });

  it("validates placement input: bounded node names and labels", () => {
    expect(refusal(() => planIntent({ kind: "add_worker", type: "generic", placement: { node: "../x" } }, { snapshot: swarmSnapshot(), settings })).code).toBe("invalid");
    const labels = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, "v"]));
    expect(refusal(() => planIntent({ kind: "add_worker", type: "generic", placement: { labels } }, { snapshot: swarmSnapshot(), settings })).code).toBe("invalid");
  });
});
