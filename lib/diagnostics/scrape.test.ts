import { describe, expect, it } from "vitest";
import { fakeContext, prometheusDown, proc } from "./fake-context";
import { runOne } from "./run";
import { expectedLabels, scrapeCheck } from "./scrape";
import type { ScrapeTargetFacts } from "./model";

const t = (worker: string, job: string, index: string | undefined, health: ScrapeTargetFacts["health"] = "up", port = 9000): ScrapeTargetFacts => ({
  labels: { job, worker, ...(index ? { index } : {}) }, health, lastError: health === "up" ? "" : "connection refused", scrapeUrl: `http://${worker.replace(/_/g, "-")}:${port}/_synapse/metrics`,
});
const good = [t("main", "synapse", "1"), t("generic_worker1", "generic_worker", "1"), t("media_worker", "media_worker", "1"), t("federation_sender1", "federation_sender", "1")];
const withTargets = (targets: ScrapeTargetFacts[]) => fakeContext({ prometheus: { ...fakeContext().prometheus, scrapeTargets: async () => targets } });

describe("expected target labels", () => {
  it("main is job synapse index 1; a worker its kind's prefix and number, else the lowest free index", () => {
    expect(expectedLabels({ name: "main", type: "main", streams: [] })).toEqual({ job: "synapse", index: "1", worker: "main" });
    expect(expectedLabels({ name: "generic_worker3", type: "generic", streams: [] })).toEqual({ job: "generic_worker", index: "3", worker: "generic_worker3" });
    expect(expectedLabels({ name: "media_worker", type: "media", streams: [] }, new Set(["media_worker/1"]))).toEqual({ job: "media_worker", index: "2", worker: "media_worker" });
    expect(expectedLabels({ name: "crash_test1", type: "generic", streams: [] }, new Set(["generic_worker/1"]))).toEqual({ job: "generic_worker", index: "2", worker: "crash_test1" });
  });
});

describe("scrape check", () => {
  it("passes when every process with a metrics listener is up with job and index", async () => {
    const r = await runOne(scrapeCheck, withTargets(good), []);
    expect(r.status).toBe("pass");
    expect(r.evidence).toContain('media_worker: up == 1, job="media_worker", index="1"');
  });

  it("a process without a target fails, and the fix is its file_sd group", async () => {
    const r = await runOne(scrapeCheck, withTargets(good.filter((x) => x.labels.worker !== "generic_worker1")), []);
    expect(r.status).toBe("fail");
    expect(r.process).toBe("generic_worker1");
    expect(r.fix).toContain('{"targets":["generic-worker1:9000"],"labels":{"job":"generic_worker","index":"1","worker":"generic_worker1"}}');
  });

  it("a target that is down fails with Prometheus's last error", async () => {
    const r = await runOne(scrapeCheck, withTargets(good.map((x) => (x.labels.worker === "main" ? t("main", "synapse", "1", "down") : x))), []);
    expect(r.status).toBe("fail");
    expect(r.evidence).toContain("main: up == 0 at http://main:9000/_synapse/metrics: connection refused");
  });

  it("a target without the stock dashboard's index warns", async () => {
    const r = await runOne(scrapeCheck, withTargets(good.map((x) => (x.labels.worker === "main" ? t("main", "synapse", undefined) : x))), []);
    expect(r.status).toBe("warn");
    expect(r.evidence[0]).toMatch(/^main: up == 1, but no index label/);
  });

  it("stopped processes are not expected; Prometheus down cannot run", async () => {
    const ctx = withTargets(good.filter((x) => x.labels.worker !== "media_worker"));
    ctx.processes = ctx.processes.map((p) => (p.name === "media_worker" ? { ...p, state: "exited" } : p));
    expect((await runOne(scrapeCheck, ctx, [])).status).toBe("pass");
    const down = await runOne(scrapeCheck, fakeContext({ prometheus: { ...fakeContext().prometheus, scrapeTargets: () => Promise.reject(prometheusDown()) } }), []);
    expect(down.status).toBe("warn");
    expect(down.evidence[0]).toMatch(/^cannot run: Prometheus unreachable/);
    const none = await runOne(scrapeCheck, fakeContext({ processes: [proc("main", "main", { listeners: [] })] }), []);
    expect(none.status).toBe("warn");
  });
});
