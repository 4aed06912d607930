import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { RuntimeUnit } from "@/lib/docker/runtime";

// The engine is faked, and its listing waits on a gate the test opens; the probes go to real HTTP
// servers on 127.0.0.1, which count what they are asked.
const units: RuntimeUnit[] = [];
let listingGate: Promise<void> = Promise.resolve();
vi.mock("@/lib/docker/runtime", () => ({
  listUnits: async () => units,
  listRuntime: async () => {
    await listingGate;
    return { units, nodes: null };
  },
  withDetails: async (u: RuntimeUnit) => u,
  engineVersion: async () => ({ version: "20.10.24", apiVersion: "1.41" }),
}));
vi.mock("./version", () => ({ synapseVersion: async () => "1.160.0" }));

interface HealthServer {
  port: number;
  hits: number;
  status: number;
  /** Resolves at the next /health request. */
  nextHit: () => Promise<void>;
  close: () => Promise<void>;
}

async function healthServer(status: number): Promise<HealthServer> {
  let waiters: Array<() => void> = [];
  const s: HealthServer = {
    port: 0, hits: 0, status,
    nextHit: () => new Promise<void>((resolve) => waiters.push(resolve)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    if (req.url === "/health") s.hits++;
    res.writeHead(req.url === "/health" ? s.status : 404).end("OK");
    const ws = waiters;
    waiters = [];
    for (const w of ws) w();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  s.port = (server.address() as AddressInfo).port;
  return s;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-early-probes-"));
let first: HealthServer;
let second: HealthServer;

function writeHomeserver(port: number): void {
  fs.writeFileSync(path.join(dir, "homeserver.yaml"), `server_name: example.org\nlisteners:\n  - {port: ${port}, type: http, resources: [{names: [client]}]}\n`);
}

/** Holds the engine's listing until `open` (or 5 s: a test that waits on the gate fails, it does not hang). */
function holdListing(): { open: () => void } {
  let open = () => {};
  listingGate = new Promise<void>((resolve) => {
    open = resolve;
    setTimeout(resolve, 5_000).unref();
  });
  return { open };
}

beforeAll(async () => {
  process.env.SYNAPSE_CONFIG_DIR = dir;
  first = await healthServer(200);
  second = await healthServer(200);
  writeHomeserver(first.port);
  units.push({
    id: "id-main", name: "synapse", image: "matrixdotorg/synapse:v1.160.0", state: "running", status: "Up", dockerHealth: null, labels: {},
    argv: ["python3", "-m", "synapse.app.homeserver", "--config-path", "/data/homeserver.yaml"], env: {},
    mounts: [{ source: dir, destination: "/data" }], networks: [{ name: "net", ip: "127.0.0.1" }], ports: [],
    createdAt: "2026-11-26T00:00:00Z", startedAt: "2026-11-26T00:00:01Z",
  });
});
afterAll(async () => {
  await Promise.all([first.close(), second.close()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("discoverTopology probes where processes were while the engine lists them", () => {
  it("probes a process found at the same target during the listing, once, and takes that answer", async () => {
    const { discoverTopology } = await import("./discover");
    expect((await discoverTopology()).processes[0]).toMatchObject({ name: "main", health: "healthy" });
    const before = first.hits;

    const gate = holdListing();
    try {
      const hit = first.nextHit();
      const topology = discoverTopology();
      // The probe arrives while the listing is still held (the gate gives way only after 5 s): it did not wait for it.
      const order = await Promise.race([hit.then(() => "probed"), new Promise((resolve) => setTimeout(() => resolve("listing first"), 2_500))]);
      expect(order).toBe("probed");
      expect(first.hits).toBe(before + 1);
      gate.open();
      expect((await topology).processes[0]).toMatchObject({ name: "main", health: "healthy" });
      expect(first.hits).toBe(before + 1);
    } finally {
      gate.open();
    }
  });

  it("probes a process whose target changed afresh, and does not take the old target's answer", async () => {
    const { discoverTopology } = await import("./discover");
    await discoverTopology();
    // The old target now answers 503; the process is at the second server, which answers 200.
    first.status = 503;
    writeHomeserver(second.port);
    const [firstBefore, secondBefore] = [first.hits, second.hits];
    const t = await discoverTopology();
    expect(t.processes[0]).toMatchObject({ name: "main", health: "healthy" });
    expect(first.hits).toBe(firstBefore + 1);
    expect(second.hits).toBe(secondBefore + 1);
    // From then on the new target is the one probed ahead.
    await discoverTopology();
    expect(first.hits).toBe(firstBefore + 1);
    expect(second.hits).toBe(secondBefore + 2);
  });

  it("a process found stopped is not probed after the listing, whatever the probe ahead said", async () => {
    const { discoverTopology } = await import("./discover");
    first.status = 200;
    writeHomeserver(first.port);
    await discoverTopology();
    units[0] = { ...units[0], state: "exited", startedAt: null };
    try {
      const hits = first.hits;
      expect((await discoverTopology()).processes[0]).toMatchObject({ name: "main", state: "exited", health: "stopped" });
      // Only the probe ahead (sent before the listing said so, not waited for); nothing after it.
      await vi.waitFor(() => expect(first.hits).toBe(hits + 1));
      expect((await discoverTopology()).processes[0].health).toBe("stopped");
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(first.hits).toBe(hits + 1);
    } finally {
      units[0] = { ...units[0], state: "running", startedAt: "2026-11-26T00:00:01Z" };
    }
  });
});
