import { describe, expect, it } from "vitest";
import { fakeContext, prometheusDown, proc, unit } from "./fake-context";
import { routingCheck } from "./routing";
import { runOne } from "./run";

const routes = [
  { router: "synapse", rule: "Host(`fleet.test`)", service: "synapse", targets: ["main"] },
  { router: "synapse-generic", rule: "Host(`fleet.test`) && (PathPrefix(`/_matrix/client`) || PathPrefix(`/_synapse/client`))", service: "synapse-generic", targets: ["generic_worker1"] },
  { router: "synapse-media", rule: "PathPrefix(`/_matrix/media`) || PathPrefix(`/_matrix/client/v1/media`)", service: "synapse-media", targets: ["media_worker"] },
];
const mainUnit = unit("lab_synapse_1", { labels: { "traefik.enable": "true", "traefik.http.routers.synapse.rule": "Host(`fleet.test`)" } });
const processes = [
  proc("main", "main", { unit: mainUnit }),
  proc("generic_worker1", "generic", { listeners: [{ port: 8009, type: "http", resources: ["client", "federation"] }] }),
  proc("media_worker", "media", { listeners: [{ port: 8010, type: "http", resources: ["media", "client"] }] }),
];
const requests = (main: number, worker: number) => async () => [
  { labels: { worker: "main" }, value: main },
  { labels: { worker: "generic_worker1" }, value: worker },
];

describe("routing check", () => {
  it("passes when each client and media worker is behind its router and workers serve the client requests", async () => {
    const r = await runOne(routingCheck, fakeContext({ processes, routes, prometheus: { ...fakeContext().prometheus, instantQuery: requests(10, 90) } }), []);
    expect(r.status).toBe("pass");
    expect(r.evidence).toContain("generic_worker1 is behind the client router synapse-generic");
    expect(r.evidence).toContain("media_worker is behind the media router synapse-media");
    expect(r.evidence.at(-1)).toMatch(/^main served 10 % of 100 client requests in the last 15 min/);
  });

  it("a client worker no router sends requests to warns, with the Traefik labels to add (main's Host rule kept)", async () => {
    const extra = proc("generic_worker2", "generic", { listeners: [{ port: 8011, type: "http", resources: ["client"] }] });
    const r = await runOne(routingCheck, fakeContext({ processes: [...processes, extra], routes, prometheus: { ...fakeContext().prometheus, instantQuery: requests(0, 50) } }), []);
    expect(r.status).toBe("warn");
    expect(r.process).toBe("generic_worker2");
    expect(r.evidence).toContain("generic_worker2 serves client requests but no Traefik router for /_matrix/client sends it any (its container has no Traefik labels)");
    expect(r.fix).toContain("traefik.http.services.synapse-generic.loadbalancer.server.port=8011");
    expect(r.fix).toContain("Host(`fleet.test`) && (PathPrefix(`/_matrix/client`)");
  });

  it("the media router does not count as a client router", async () => {
    const onlyMedia = routes.filter((r) => r.router !== "synapse-generic").map((r) => (r.router === "synapse-media" ? { ...r, targets: ["media_worker", "generic_worker1"] } : r));
    const r = await runOne(routingCheck, fakeContext({ processes, routes: onlyMedia }), []);
    expect(r.status).toBe("warn");
    expect(r.evidence.join("\n")).toMatch(/generic_worker1 serves client requests but no Traefik router/);
  });

  it("main serving more than half of the client requests while a generic worker is up warns", async () => {
    const r = await runOne(routingCheck, fakeContext({ processes, routes, prometheus: { ...fakeContext().prometheus, instantQuery: requests(80, 20) } }), []);
    expect(r.status).toBe("warn");
    expect(r.evidence.at(-1)).toMatch(/^main served 80 % of 100 client requests/);
  });

  it("with Prometheus down the traffic part cannot run: warns, never passes", async () => {
    const r = await runOne(routingCheck, fakeContext({ processes, routes, prometheus: { ...fakeContext().prometheus, instantQuery: async () => Promise.reject(prometheusDown()) } }), []);
    expect(r.status).toBe("warn");
    expect(r.evidence.at(-1)).toMatch(/^cannot run the traffic part: Prometheus unreachable: /);
  });

  it("no Traefik labels anywhere: says routing cannot be seen from here", async () => {
    const r = await runOne(routingCheck, fakeContext({ processes, routes: [], prometheus: { ...fakeContext().prometheus, instantQuery: requests(0, 0) } }), []);
    expect(r.status).toBe("warn");
    expect(r.evidence[0]).toMatch(/no Synapse container carries Traefik router labels/);
  });
});
