import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { eventually } from "./lab-env";

// The dashboard talks to the engine through a socket we control, so the engine can "vanish" and return.
const sock = path.join(os.tmpdir(), `fleet-docker-proxy-${process.pid}.sock`);
process.env.DOCKER_HOST = `unix://${sock}`;

let server: net.Server | null = null;
const open = new Set<net.Socket>();
function startProxy(): Promise<void> {
  server = net.createServer((client) => {
    const upstream = net.connect("/var/run/docker.sock");
    open.add(client).add(upstream);
    client.on("close", () => open.delete(client));
    upstream.on("close", () => open.delete(upstream));
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  return new Promise((r) => server!.listen(sock, r));
}

/** The engine vanishes: the socket goes, and so does every connection through it. */
function stopProxy(): void {
  server?.close();
  server = null;
  for (const s of open) s.destroy();
  open.clear();
  fs.rmSync(sock, { force: true });
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-docker-recovery-"));
process.env.FLEET_DATA_DIR = dataDir;
delete process.env.DATABASE_URL;

afterAll(async () => {
  stopProxy();
  const { closeDb } = await import("@/lib/db");
  await closeDb();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("when the Docker Engine is unreachable", () => {
  it("the topology says so plainly instead of failing", async () => {
    const { discoverTopology } = await import("@/lib/topology/discover");
    const t = await discoverTopology();
    expect(t.docker.reachable).toBe(false);
    expect(t.docker.error).toMatch(/unreachable/i);
    expect(t.processes.filter((p) => p.container)).toEqual([]);
  });

  it("the live stream reports the engine back by itself once it returns", async () => {
    const { liveHub } = await import("@/lib/topology/live");
    const { engineEvents } = await import("@/lib/docker/events");
    const seen: boolean[] = [];
    const off = liveHub().subscribe((e) => {
      if (e.type === "engine") seen.push(e.reachable);
    });
    try {
      await eventually(async () => engineEvents().reachable === false, 5_000, "engine marked unreachable");
      await startProxy();
      await eventually(async () => seen.includes(true), 5_000, "engine reachable again");
      const { discoverTopology } = await import("@/lib/topology/discover");
      expect((await discoverTopology()).docker.reachable).toBe(true);
    } finally {
      off();
    }
  });
});

describe("a change asked for while the engine is away", () => {
  it("answers 503 unavailable with the cause, for a preview and for an add, and starts no operation", async () => {
    stopProxy();
    const { previewPlan, startOperation, listHistory } = await import("@/lib/operations");
    const { handleApiError } = await import("@/lib/api/errors");
    const before = (await listHistory({ limit: 200 })).length;
    for (const call of [() => previewPlan({ kind: "add_worker", type: "generic" }), () => startOperation({ kind: "add_worker", type: "generic" }, "test")]) {
      const err = await call().then(() => null, (e: unknown) => e);
      expect(err, "the call must fail").not.toBeNull();
      const res = handleApiError(err);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { error: { code: string; message: string; details: { reason: string } } };
      expect(body.error.code).toBe("unavailable");
      expect(body.error.details.reason).toBe("engine_unreachable");
      expect(body.error.message).toMatch(/Docker Engine is unreachable: .*(ENOENT|ECONNREFUSED)/);
    }
    expect((await listHistory({ limit: 200 })).length).toBe(before);
  });
});
