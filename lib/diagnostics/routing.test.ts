import { describe, expect, it } from "vitest";
import type { WorkerKind } from "@/lib/synapse/catalogue";
import { kindOf, networkAlias } from "@/lib/synapse/deployment";
import { renderNginx } from "@/lib/synapse/nginx";
import type { WorkerType } from "@/lib/synapse/types";
import { fakeContext, prometheusDown, proc, unit } from "./fake-context";
import type { DiagnosticsContext, LoadBalancerFacts, ProcessFacts } from "./model";
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

// --- An nginx entrypoint: fixtures are renderNginx's own output for the workers named. ---

const http = (port: number, resources: string[]) => [{ port, type: "http", resources }, { port: 9000, type: "metrics", resources: ["metrics"] }];
const lbMain = proc("main", "main", { listeners: http(8008, ["client", "federation"]), unit: unit("lab_synapse_1", { labels: { "com.docker.compose.service": "synapse" } }) });
const gw1 = proc("generic_worker1", "generic", { listeners: http(8009, ["client", "federation"]) });
const gw2 = proc("generic_worker2", "generic", { listeners: http(8011, ["client"]) });
const media = proc("media_worker", "media", { listeners: http(8010, ["media", "client"]) });
const sender = proc("federation_sender1", "federation_sender");

/** The file the dashboard writes for these workers, each reached as `host` (its network alias unless given). */
function nginxFor(workers: Array<{ p: ProcessFacts; host?: string; port?: number; kind?: WorkerKind }>): string {
  return renderNginx({
    listenPort: 8080,
    main: { host: "synapse", port: 8008 },
    workers: workers.map(({ p, host, port, kind }) => ({ name: p.name, kind: kind ?? kindOf(p.name, p.type as WorkerType, p.streams)!, host: host ?? networkAlias(p.name), port: port ?? p.listeners.find((l) => l.type === "http")!.port })),
  });
}

function entrypoint(text: string | null, over: Partial<LoadBalancerFacts> = {}): LoadBalancerFacts {
  return { name: "lab_lb_1", containerId: "id-lb", state: "running", configFile: "nginx/synapse.conf", text, check: { ok: true, message: "ok" }, checkError: null, ...over };
}

function withNginx(processes: ProcessFacts[], lb: LoadBalancerFacts | null, over: Partial<DiagnosticsContext> = {}) {
  return fakeContext({ processes, loadBalancer: lb, prometheus: { ...fakeContext().prometheus, instantQuery: requests(10, 90) }, ...over });
}

describe("routing check with an nginx entrypoint", () => {
  it("passes when the file sends each running worker its kind's routes (no Traefik labels needed)", async () => {
    const r = await runOne(routingCheck, withNginx([lbMain, gw1, media, sender], entrypoint(nginxFor([{ p: gw1 }, { p: media }]))), []);
    expect(r.status).toBe("pass");
    expect(r.evidence.some((e) => /^generic_worker1 \(generic\) gets generic's routes through /.test(e))).toBe(true);
    expect(r.evidence.some((e) => /^media_worker \(media\) gets media's routes through /.test(e))).toBe(true);
    expect(r.evidence.at(-1)).toMatch(/^main served 10 % of 100 client requests/);
  });

  it("a running generic worker the file does not name fails, naming it, with the upstream line to add", async () => {
    const r = await runOne(routingCheck, withNginx([lbMain, gw1, gw2, media], entrypoint(nginxFor([{ p: gw1 }, { p: media }]))), []);
    expect(r.status).toBe("fail");
    expect(r.process).toBe("generic_worker2");
    expect(r.evidence).toContain("generic_worker2 (generic) is in no upstream that a location proxies to: lab_lb_1 sends it no requests");
    expect(r.fix).toContain('"server generic-worker2:8011; # generic_worker2"');
    expect(r.fix).toContain("Re-render nginx/synapse.conf: any worker plan (add, remove, scale) rewrites it");
  });

  it("a kind whose routes are missing from the file fails: its requests go to main", async () => {
    const r = await runOne(routingCheck, withNginx([lbMain, gw1, media], entrypoint(nginxFor([{ p: gw1 }]))), []);
    expect(r.status).toBe("fail");
    expect(r.process).toBe("media_worker");
    const lacks = r.evidence.find((e) => e.startsWith("nginx/synapse.conf lacks "));
    expect(lacks).toMatch(/^nginx\/synapse\.conf lacks (\d+) of media's \1 routes \(.*\/_matrix\/media.*\): \/\S+ goes to \S+ \(main\)$/);
    expect(r.evidence).toContain("media_worker (media) is in no upstream that a location proxies to: lab_lb_1 sends it no requests");
    // A server line alone cannot help where the kind's upstream and locations are missing: only a re-render.
    expect(r.fix).toBe("Re-render nginx/synapse.conf: any worker plan (add, remove, scale) rewrites it from the route table, checks it with nginx -t and reloads lab_lb_1.");
  });

  it("a generic worker rendered into another kind's upstream fails: none of its own routes lead there", async () => {
    const r = await runOne(routingCheck, withNginx([lbMain, gw1, gw2, media], entrypoint(nginxFor([{ p: gw1 }, { p: gw2, kind: "media" }, { p: media }]))), []);
    expect(r.status).toBe("fail");
    expect(r.process).toBe("generic_worker2");
    expect(r.evidence.some((e) => /^generic_worker2 \(generic\) is only in \S+, where none of generic's routes lead$/.test(e))).toBe(true);
    expect(r.fix).toContain('"server generic-worker2:8011; # generic_worker2"');
  });

  it("a synchrotron taking /sync from the generic workers is the table's precedence, not a missing route", async () => {
    const sync = proc("synchrotron1", "synchrotron", { listeners: http(8012, ["client"]) });
    const r = await runOne(routingCheck, withNginx([lbMain, gw1, sync], entrypoint(nginxFor([{ p: gw1 }, { p: sync }]))), []);
    expect(r.status).toBe("pass");
    expect(r.evidence.some((e) => /^synchrotron1 \(synchrotron\) gets synchrotron's routes through /.test(e))).toBe(true);
    expect(r.evidence.some((e) => /^generic_worker1 \(generic\) gets generic's routes through /.test(e))).toBe(true);
  });

  it("an upstream naming a stopped worker warns while a peer takes its requests", async () => {
    const stopped = { ...gw2, state: "exited" };
    const r = await runOne(routingCheck, withNginx([lbMain, gw1, stopped, media], entrypoint(nginxFor([{ p: gw1 }, { p: gw2 }, { p: media }]))), []);
    expect(r.status).toBe("warn");
    expect(r.process).toBe("generic_worker2");
    expect(r.evidence.some((e) => /^\S+(, \S+)* sends? to generic-worker2:8011: generic_worker2, which is exited; nginx tries it and fails over to the others$/.test(e))).toBe(true);
    expect(r.fix).toContain('Or remove "server generic-worker2:8011;" from ');
    expect(r.fix!.split("Re-render nginx/synapse.conf").length).toBe(2);
  });

  it("an upstream whose only worker is stopped fails: every request sent there answers 502", async () => {
    const r = await runOne(routingCheck, withNginx([lbMain, gw1, { ...media, state: "exited" }], entrypoint(nginxFor([{ p: gw1 }, { p: media }]))), []);
    expect(r.status).toBe("fail");
    expect(r.evidence.some((e) => /^\S+ sends to media-worker:8010: media_worker, which is exited; every request sent there fails with 502$/.test(e))).toBe(true);
  });

  it("an upstream naming a worker that does not exist, or a port it does not listen on, is reported", async () => {
    const ghost = proc("generic_worker7", "generic", { listeners: http(8019, ["client"]) });
    const r = await runOne(routingCheck, withNginx([lbMain, gw1, media], entrypoint(nginxFor([{ p: gw1 }, { p: ghost }, { p: media, port: 8099 }]))), []);
    expect(r.status).toBe("fail");
    expect(r.evidence.some((e) => /^\S+(, \S+)* sends? to generic-worker7:8019: no process of this deployment; nginx tries it and fails over to the others$/.test(e))).toBe(true);
    expect(r.evidence.some((e) => /^\S+ sends to media-worker:8099: media_worker, which has no http listener on that port \(it has 8010\); every request sent there fails with 502$/.test(e))).toBe(true);
    expect(r.evidence).toContain("media_worker (media) is in no upstream that a location proxies to: lab_lb_1 sends it no requests");
  });

  it("a member named by a network alias only the engine knows is found by asking it", async () => {
    const engine = { ...fakeContext().engine, specOf: async (id: string) => ({ networks: id === gw1.unit!.id ? [{ name: "lab_default", aliases: ["gw-one"] }] : [], labels: {}, resources: { nanoCpus: 1e9, memoryBytes: 2 ** 30 } }) };
    const r = await runOne(routingCheck, withNginx([lbMain, gw1], entrypoint(nginxFor([{ p: gw1, host: "gw-one" }])), { engine }), []);
    expect(r.status).toBe("pass");
    expect(r.evidence.some((e) => /^generic_worker1 \(generic\) gets generic's routes through /.test(e))).toBe(true);
  });

  it("a config that fails nginx -t fails with nginx's own message", async () => {
    const message = 'nginx: [emerg] host not found in upstream "generic-worker9:8009" in /etc/nginx/conf.d/synapse.conf:22';
    const r = await runOne(routingCheck, withNginx([lbMain, gw1, media], entrypoint(nginxFor([{ p: gw1 }, { p: media }]), { check: { ok: false, message } })), []);
    expect(r.status).toBe("fail");
    expect(r.evidence).toContain(`nginx/synapse.conf fails nginx -t in lab_lb_1: ${message}`);
    expect(r.fix).toContain("Fix or remove the hand edit in nginx/synapse.conf");
  });

  it("nginx -t that could not be run warns, never passes", async () => {
    const r = await runOne(routingCheck, withNginx([lbMain, gw1, media], entrypoint(nginxFor([{ p: gw1 }, { p: media }]), { check: null, checkError: "nginx -t did not answer within 1 s" })), []);
    expect(r.status).toBe("warn");
    expect(r.evidence).toContain("nginx -t could not be run in lab_lb_1: nginx -t did not answer within 1 s");
  });

  it("a missing config file fails, and so does an entrypoint that cannot be read", async () => {
    const gone = await runOne(routingCheck, withNginx([lbMain, gw1], entrypoint(null)), []);
    expect(gone.status).toBe("fail");
    expect(gone.evidence[0]).toBe("nginx/synapse.conf does not exist: lab_lb_1 routes nothing to Synapse's workers");
    const unreadable = await runOne(routingCheck, withNginx([lbMain, gw1], null, { loadBalancerError: "the nginx entrypoint cannot be read: nginx/../x is not a path inside the config directory" }), []);
    expect(unreadable.status).toBe("warn");
    expect(unreadable.evidence[0]).toBe("the nginx entrypoint cannot be read: nginx/../x is not a path inside the config directory");
  });

  it("main serving most client requests warns with routes from nginx too, pointing clients at the entrypoint", async () => {
    const r = await runOne(routingCheck, withNginx([lbMain, gw1, media], entrypoint(nginxFor([{ p: gw1 }, { p: media }])), { prometheus: { ...fakeContext().prometheus, instantQuery: requests(80, 20) } }), []);
    expect(r.status).toBe("warn");
    expect(r.evidence.at(-1)).toMatch(/^main served 80 % of 100 client requests/);
    expect(r.fix).toContain("make clients go through the nginx entrypoint lab_lb_1 (not main's port)");
  });
});
