import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { FleetError } from "@/lib/errors";
import { instantQuery, prometheusSource, scrapeTargets } from "@/lib/prometheus/client";
import { panelData } from "@/lib/prometheus/panel-data";
import { panels } from "@/lib/prometheus/panels";
import { discoverTopology } from "@/lib/topology/discover";
import { eventually, requireLab } from "./lab-env";

// The lab's real Prometheus (scrape 5 s, 2 days kept), reached as the lab env says.
const labUrl = process.env.FLEET_PROMETHEUS_URL;
afterEach(() => {
  process.env.FLEET_PROMETHEUS_URL = labUrl;
});

async function failureOf(p: Promise<unknown>): Promise<FleetError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FleetError);
  return err as FleetError;
}

describe("metrics against the lab's Prometheus", () => {
  beforeAll(() => {
    requireLab();
    if (!labUrl) throw new Error("FLEET_PROMETHEUS_URL is not set: load the lab env (bash lab/lab.sh env)");
  });

  it("reads the Synapse targets with the lab's 5 s scrape interval", async () => {
    const targets = (await scrapeTargets()).filter((t) => t.labels.worker);
    expect(targets.map((t) => t.labels.worker).sort()).toEqual(expect.arrayContaining(["federation_sender1", "generic_worker1", "main", "media_worker"]));
    for (const t of targets) expect(t.scrapeIntervalSeconds).toBe(5);
  });

  for (const range of ["15m", "7d"] as const) {
    it(`has every panel's query accepted by Prometheus over ${range}`, async () => {
      for (const p of panels) {
        const data = await panelData(p.id, new URLSearchParams({ range }));
        expect(data.panel).toBe(p.id);
        expect(data.unit).toBe(p.unit);
        expect(data.step).toBe(range === "15m" ? 5 : 605);
        expect(data.window).toBe(range === "15m" ? 20 : 610);
        expect(data.query).toContain(p.id === "cpu" || p.id === "memory" || p.id === "reactor" ? 'worker!=""' : 'server_name="fleet.test"');
        for (const s of data.series) {
          expect(s.points.length).toBeLessThanOrEqual((data.end - data.start) / data.step + 1);
          for (const [t, v] of s.points) {
            expect(t % data.step).toBe(0);
            expect(Number.isFinite(v)).toBe(true);
          }
        }
      }
    });
  }

  it("shows the generic worker's requests after client requests reach it", async () => {
    // The lab has no Traefik container: send what Traefik's client router would, straight to the worker.
    await Promise.all(Array.from({ length: 30 }, () => fetch("http://localhost:8009/_matrix/client/versions").then((r) => r.arrayBuffer())));
    const series = await eventually(async () => {
      const data = await panelData("requests", new URLSearchParams({ range: "15m", workers: "generic_worker1" }));
      const s = data.series.filter((x) => x.worker === "generic_worker1" && x.points.some(([, v]) => v > 0));
      return s.length > 0 && data.series.every((x) => x.worker === "generic_worker1") ? s : null;
    }, 30_000, "a non-zero requests series for generic_worker1");
    expect(series[0].points.length).toBeGreaterThan(0);
  });

  it("refuses a worker the deployment does not have with not_found", async () => {
    const err = await failureOf(panelData("requests", new URLSearchParams({ workers: "main,nobody_here" })));
    expect(err.code).toBe("not_found");
    expect(err.details).toEqual({ worker: "nobody_here" });
  });

  it("finds the lab's Prometheus container when FLEET_PROMETHEUS_URL is unset, and queries it", async () => {
    delete process.env.FLEET_PROMETHEUS_URL;
    const source = await prometheusSource();
    expect(source.source).toBe("discovered");
    expect(source.url).toMatch(/^http:\/\/\d+\.\d+\.\d+\.\d+:9090$/);
    expect((await instantQuery("vector(1)"))).toEqual([{ labels: {}, value: 1 }]);
    expect((await discoverTopology()).prometheus).toEqual(source);
  });

  it("says unreachable when nothing listens at the URL", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    process.env.FLEET_PROMETHEUS_URL = `http://127.0.0.1:${port}`;
    const direct = await failureOf(instantQuery("up"));
    expect(direct.details).toEqual({ reason: "unreachable" });
    const viaPanel = await failureOf(panelData("requests", new URLSearchParams({ range: "15m" })));
    expect(viaPanel.code).toBe("unavailable");
    expect(viaPanel.details).toEqual({ reason: "unreachable" });
  });

  it("says bad_query for PromQL Prometheus cannot parse", async () => {
    expect((await failureOf(instantQuery("sum(rate(x[5m])"))).details).toEqual({ reason: "bad_query" });
  });
});
