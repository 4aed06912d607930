import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { RuntimeUnit } from "@/lib/docker/runtime";

// The engine is faked here (the integration tests use the real one): these are the containers it lists.
const units: RuntimeUnit[] = [];
let engineAway = false;
vi.mock("@/lib/docker/runtime", async () => {
  const { DockerUnavailableError } = await import("@/lib/docker/client");
  const listUnits = async () => {
    if (engineAway) throw new DockerUnavailableError(Object.assign(new Error("connect ENOENT /var/run/docker.sock"), { code: "ENOENT" }));
    return units;
  };
  return {
    listUnits,
    listRuntime: async () => ({ units: await listUnits(), nodes: null }),
    withDetails: async (u: RuntimeUnit) => u,
    engineVersion: async () => ({ version: "20.10.24", apiVersion: "1.41" }),
  };
});
vi.mock("./version", () => ({ synapseVersion: async () => "1.160.0" }));
vi.mock("./health", () => ({ probeHealth: async (state: string) => (state === "running" ? "healthy" : "stopped"), probeAlive: async () => true }));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-discover-"));
const other = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-other-"));

function unit(name: string, argv: string[], opts: Partial<RuntimeUnit> = {}): RuntimeUnit {
  return {
    id: `id-${name}`, name, image: "matrixdotorg/synapse:v1.160.0", state: "running", status: "Up", dockerHealth: null, labels: {},
    argv, env: {}, mounts: [{ source: dir, destination: "/data" }], networks: [{ name: "net", ip: "127.0.0.42" }], ports: [],
    createdAt: "2026-11-26T00:00:00Z", startedAt: "2026-11-26T00:00:01Z", ...opts,
  };
}

beforeAll(() => {
  process.env.SYNAPSE_CONFIG_DIR = dir;
  fs.mkdirSync(path.join(dir, "workers"));
  fs.writeFileSync(path.join(dir, "homeserver.yaml"), "server_name: example.org\nlisteners:\n  - {port: 8008, type: http, resources: [{names: [client, federation]}]}\nfederation_sender_instances: [sender1, sender2]\n");
  fs.writeFileSync(path.join(dir, "workers", "generic_worker2.yaml"), "worker_app: synapse.app.generic_worker\nworker_name: generic_worker2\nworker_listeners:\n  - {type: http, port: 8083, resources: [{names: [client]}]}\n");
  fs.writeFileSync(path.join(dir, "workers", "sender1.yaml"), "worker_app: synapse.app.generic_worker\nworker_name: sender1\nworker_listeners:\n  - {type: metrics, port: 9101}\n");
  fs.writeFileSync(path.join(other, "homeserver.yaml"), "server_name: other.org\n");
  units.push(
    unit("synapse", ["/start.py", "run"], { labels: { "com.docker.compose.project": "matrix", "com.docker.compose.service": "synapse" } }),
    unit("synapse-generic-worker-2", ["/start.py", "run", "--config-path=/data/homeserver.yaml", "--config-path=/data/workers/generic_worker2.yaml"], {
      env: { SYNAPSE_WORKER: "synapse.app.generic_worker" },
    }),
    unit("fleet-sender1", ["python3", "-m", "synapse.app.generic_worker", "-c", "/data/homeserver.yaml", "-c", "/data/workers/sender1.yaml"], {
      labels: { "io.synapse-fleet.worker": "sender1" },
      state: "exited",
    }),
    unit("someone-elses-synapse", ["/start.py", "run"], { mounts: [{ source: other, destination: "/data" }] }),
    unit("db", ["docker-entrypoint.sh", "postgres"], { image: "postgres:16" }),
    unit("cache", ["redis-server"], { image: "redis:7" }),
    unit("proxy", ["/entrypoint.sh", "traefik"], { image: "traefik:v3" }),
    // Another project's Prometheus on the same engine, on a network no Synapse of ours is on.
    unit("their-prometheus", ["prometheus", "--config.file=/etc/prometheus.yml"], { image: "prom/prometheus", networks: [{ name: "theirs", ip: "127.0.0.77" }] }),
  );
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(other, { recursive: true, force: true });
});

describe("discoverTopology (faked engine, real config files)", () => {
  it("follows the official image's /start.py convention for main and workers", async () => {
    const { discoverTopology } = await import("./discover");
    const t = await discoverTopology();
    const byName = Object.fromEntries(t.processes.map((p) => [p.name, p]));
    expect(byName.main).toMatchObject({ type: "main", app: "synapse.app.homeserver", state: "running", health: "healthy" });
    expect(byName.main.container?.composeService).toBe("synapse");
    expect(byName.generic_worker2).toMatchObject({ type: "generic", app: "synapse.app.generic_worker", configFile: "workers/generic_worker2.yaml" });
    expect(byName.generic_worker2.listeners).toEqual([{ port: 8083, type: "http", resources: ["client"], bindAddresses: [], tls: false }]);
  });

  it("derives a federation sender from homeserver.yaml and keeps a stopped one, stopped", async () => {
    const { discoverTopology } = await import("./discover");
    const t = await discoverTopology();
    expect(t.processes.find((p) => p.name === "sender1")).toMatchObject({ type: "federation_sender", state: "exited", health: "stopped" });
  });

  it("shows a worker that homeserver.yaml names but no container runs, and warns", async () => {
    const { discoverTopology } = await import("./discover");
    const t = await discoverTopology();
    expect(t.processes.find((p) => p.name === "sender2")).toMatchObject({ state: "missing", container: null });
    expect(t.warnings).toContain("sender2 is named in homeserver.yaml but no container runs it");
  });

  it("leaves out a Synapse of another deployment and services on networks none of ours is on", async () => {
    const { discoverTopology } = await import("./discover");
    const t = await discoverTopology();
    expect(t.processes.map((p) => p.name).sort()).toEqual(["generic_worker2", "main", "sender1", "sender2"]);
    expect(t.services.map((s) => `${s.kind}:${s.name}`).sort()).toEqual(["postgres:db", "redis:cache", "traefik:proxy"]);
    expect(t.serverName).toBe("example.org");
  });

  it("while the engine is away, shows every process and service as last seen with its state unknown, and no guessed warnings", async () => {
    const { discoverTopology } = await import("./discover");
    const seen = await discoverTopology();
    engineAway = true;
    try {
      const t = await discoverTopology();
      expect(t.docker).toMatchObject({ reachable: false, error: "Docker Engine is unreachable: connect ENOENT /var/run/docker.sock" });
      expect(t.processes.map((p) => p.name)).toEqual(seen.processes.map((p) => p.name));
      expect(t.processes.every((p) => p.state === "unknown" && p.health === "unknown" && p.stats === null)).toBe(true);
      expect(t.processes.find((p) => p.name === "generic_worker2")).toMatchObject({ type: "generic", configFile: "workers/generic_worker2.yaml" });
      expect(t.services.map((s) => `${s.kind}:${s.state}:${s.health}`).sort()).toEqual(["postgres:unknown:unknown", "redis:unknown:unknown", "traefik:unknown:unknown"]);
      expect(t.warnings.filter((w) => w.includes("no container runs it"))).toEqual([]);
    } finally {
      engineAway = false;
    }
    expect((await discoverTopology()).processes.find((p) => p.name === "main")).toMatchObject({ state: "running", health: "healthy" });
  });
});
