import { afterAll, describe, expect, it } from "vitest";
import type { LiveEvent } from "@/lib/contract/topology";
import { liveHub } from "@/lib/topology/live";
import { docker, eventually, labContainer, requireLab } from "./lab-env";

describe("live events from the real engine", () => {
  const events: LiveEvent[] = [];
  let unsubscribe = () => {};
  afterAll(() => unsubscribe());

  it("reports a stop and a start of a worker, then its health once it answers", async () => {
    requireLab();
    unsubscribe = liveHub().subscribe((e) => events.push(e));
    const sender = labContainer("synapse-worker-federation-sender");
    await new Promise((r) => setTimeout(r, 500)); // the engine subscription is up
    docker("stop", sender);
    await eventually(async () => events.some((e) => e.type === "container" && e.containerId === sender && e.state === "exited"), 10_000, "exited event");
    expect(events).toContainEqual({ type: "health", containerId: sender, health: "stopped" });
    docker("start", sender);
    await eventually(async () => events.some((e) => e.type === "container" && e.containerId === sender && e.state === "running"), 10_000, "running event");
    await eventually(async () => events.some((e) => e.type === "health" && e.containerId === sender && e.health === "healthy"), 60_000, "healthy event");
  });

  it("streams resource samples of running processes", async () => {
    const main = labContainer("synapse");
    const s = await eventually(async () => events.find((e) => e.type === "stats" && e.containerId === main), 15_000, "a stats sample of main");
    expect(s.type === "stats" && s.sample.memoryBytes).toBeGreaterThan(10 * 2 ** 20);
  });

  it("closes every engine stream when the last subscriber leaves", async () => {
    unsubscribe();
    unsubscribe = () => {};
    await eventually(async () => {
      const o = liveHub().openStreams();
      return o.subscribers === 0 && o.stats === 0 && o.health === 0;
    }, 5_000, "no open streams");
  });
});
