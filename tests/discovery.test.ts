import { beforeAll, describe, expect, it } from "vitest";
import { discoverTopology } from "@/lib/topology/discover";
import { listContainers, withDetails } from "@/lib/docker/runtime";
import { eventually, requireLab } from "./lab-env";
import { labSecrets, leakedIn } from "./lab-secrets";
import type { Topology } from "@/lib/contract/topology";

describe("discovery against the running lab", () => {
  let t: Topology;
  beforeAll(async () => {
    requireLab();
    t = await eventually(async () => {
      const topo = await discoverTopology();
      return topo.processes.length >= 4 && topo.processes.every((p) => p.health === "healthy") ? topo : null;
    }, 90_000, "main and three workers healthy");
  });

  it("finds main and the three workers with the types their config gives them", () => {
    const byName = Object.fromEntries(t.processes.map((p) => [p.name, p]));
    expect(Object.keys(byName).sort()).toEqual(["federation_sender1", "generic_worker1", "main", "media_worker"]);
    expect(byName.main.type).toBe("main");
    expect(byName.generic_worker1.type).toBe("generic");
    expect(byName.generic_worker1.streams.sort()).toEqual(["account_data", "presence", "receipts", "to_device", "typing"]);
    expect(byName.media_worker.type).toBe("media");
    expect(byName.federation_sender1.type).toBe("federation_sender");
    expect(byName.generic_worker1.configFile).toBe("workers/generic_worker1.yaml");
  });

  it("reports listeners, published ports, container and start time", () => {
    const g = t.processes.find((p) => p.name === "generic_worker1")!;
    expect(g.listeners.map((l) => l.port)).toEqual(expect.arrayContaining([8009, 9094, 9001]));
    expect(g.ports).toContainEqual({ container: 8009, host: 8009, protocol: "tcp" });
    expect(g.container?.composeService).toBe("synapse-worker-generic");
    expect(Date.parse(g.container!.startedAt!)).toBeLessThanOrEqual(Date.now());
    expect(g.address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  it("finds PostgreSQL, Redis, Prometheus and the nginx entrypoint (by its labels)", () => {
    expect(t.services.map((s) => s.kind).sort()).toEqual(["nginx", "postgres", "prometheus", "redis"]);
    expect(t.services.every((s) => s.state === "running")).toBe(true);
    expect(t.services.find((s) => s.kind === "nginx")?.name).toBe("lb"); // its compose service, like the others
  });

  it("reads server name, Synapse version and Docker version", () => {
    expect(t.serverName).toBe("fleet.test");
    expect(t.synapseVersion).toMatch(/^1\.\d+/);
    expect(t.docker).toMatchObject({ reachable: true, error: null });
    expect(t.docker.version).toMatch(/^\d+\./);
  });

  it("routes client traffic to the generic worker and media to the media worker", () => {
    const client = t.routes.find((r) => r.rule.includes("/_matrix/client") && !r.rule.includes("media"));
    const media = t.routes.find((r) => r.rule.includes("/_matrix/media"));
    expect(client?.targets).toEqual(["generic_worker1"]);
    expect(media?.targets).toEqual(["media_worker"]);
  });

  it("never carries a secret of the lab: no secret key names, and none of the real values (homeserver.yaml, signing key, container env)", () => {
    const text = JSON.stringify(t);
    expect(text).not.toMatch(/registration_shared_secret|macaroon_secret_key|form_secret|password/i);
    const secrets = labSecrets(requireLab().configDir);
    expect(secrets.length).toBeGreaterThanOrEqual(6); // database and Redis passwords (also in the env), three Synapse secrets, the signing key
    expect(leakedIn(text, secrets)).toEqual([]);
  });

  it("takes a container removed between the listing and its inspect as gone, not as an error", async () => {
    const [listed] = await listContainers();
    expect(listed).toBeDefined();
    expect(await withDetails({ ...listed, id: "0".repeat(64), state: "removed-meanwhile" })).toBeNull();
    expect((await withDetails(listed))?.argv.length).toBeGreaterThan(0);
  });
});
