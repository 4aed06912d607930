import { afterAll, describe, expect, it } from "vitest";
import type { LiveEvent } from "@/lib/contract/topology";
import { engineEvents } from "@/lib/docker/events";
import { liveHub } from "@/lib/topology/live";
import { docker, eventually, labContainer, requireLab } from "./lab-env";

// Every wait below is on a condition with its own deadline; each test's timeout is the sum of
// its deadlines plus room, so a slow (loaded) machine fails on the condition that was not met,
// naming it, rather than on vitest's 30 s default in the middle of a wait that was still allowed.
const STOP_GRACE_S = 10;
const EVENT_WAIT_MS = 10_000;
const HEALTHY_WAIT_MS = 60_000;

function running(container: string): boolean {
  return docker("inspect", "-f", "{{.State.Running}}", container) === "true";
}

describe("live events from the real engine", () => {
  const events: LiveEvent[] = [];
  let unsubscribe = () => {};
  const sender = () => labContainer("synapse-worker-federation-sender");
  afterAll(async () => {
    unsubscribe();
    // Leave the lab as found, even when the test failed between its stop and its start.
    if (!running(sender())) docker("start", sender());
    await eventually(async () => running(sender()), 30_000, "the federation sender running again");
  }, 60_000);

  it(
    "reports a stop and a start of a worker, then its health once it answers",
    async () => {
      requireLab();
      const id = sender();
      expect(running(id)).toBe(true);
      unsubscribe = liveHub().subscribe((e) => events.push(e));
      // The engine's event stream is open (its response has arrived) before anything is changed.
      await eventually(async () => engineEvents().reachable === true, EVENT_WAIT_MS, "the engine event stream open");
      docker("stop", "-t", String(STOP_GRACE_S), id);
      await eventually(async () => events.some((e) => e.type === "container" && e.containerId === id && e.state === "exited"), EVENT_WAIT_MS, "exited event");
      expect(events).toContainEqual({ type: "health", containerId: id, health: "stopped" });
      docker("start", id);
      await eventually(async () => events.some((e) => e.type === "container" && e.containerId === id && e.state === "running"), EVENT_WAIT_MS, "running event");
      await eventually(async () => events.some((e) => e.type === "health" && e.containerId === id && e.health === "healthy"), HEALTHY_WAIT_MS, "healthy event");
    },
    EVENT_WAIT_MS * 3 + STOP_GRACE_S * 1000 + HEALTHY_WAIT_MS + 30_000,
  );

  it("streams resource samples of running processes", async () => {
    const main = labContainer("synapse");
    const s = await eventually(async () => events.find((e) => e.type === "stats" && e.containerId === main), 15_000, "a stats sample of main");
    expect(s.type === "stats" && s.sample.memoryBytes).toBeGreaterThan(10 * 2 ** 20);
  }, 30_000);

  it("closes every engine stream when the last subscriber leaves", async () => {
    unsubscribe();
    unsubscribe = () => {};
    await eventually(async () => {
      const o = liveHub().openStreams();
      return o.subscribers === 0 && o.stats === 0 && o.health === 0;
    }, 5_000, "no open streams");
  }, 20_000);
});
