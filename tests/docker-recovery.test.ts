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
function startProxy(): Promise<void> {
  server = net.createServer((client) => {
    const upstream = net.connect("/var/run/docker.sock");
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  return new Promise((r) => server!.listen(sock, r));
}

afterAll(() => {
  server?.close();
  fs.rmSync(sock, { force: true });
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
