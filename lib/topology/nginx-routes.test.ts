import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderNginx } from "@/lib/synapse/nginx";
import { nginxRoutes, parseNginx, routesFromNginx } from "./routes";

const rendered = renderNginx({
  listenPort: 8080,
  main: { host: "synapse", port: 8008 },
  workers: [
    { name: "generic_worker1", kind: "generic", host: "synapse-worker-generic", port: 8009 },
    { name: "generic_worker2", kind: "generic", host: "generic-worker2", port: 8011 },
    { name: "media_worker", kind: "media", host: "synapse-worker-media", port: 8010 },
    { name: "federation_sender1", kind: "federation_sender", host: "sender", port: 8012 },
  ],
});

describe("routesFromNginx", () => {
  it("reads every location of the rendered file with the workers behind its upstream", () => {
    const routes = routesFromNginx(rendered);
    const locations = [...rendered.matchAll(/^\s*location (.+) \{$/gm)].map((m) => `location ${m[1]}`);
    expect(routes.map((r) => r.rule)).toEqual(locations);
    expect(routes.at(-1)).toEqual({ router: "location /", rule: "location /", service: "synapse_main", targets: ["main"] });
    const media = routes.find((r) => r.rule.includes("/_matrix/media"))!;
    expect(media.targets).toEqual(["media_worker"]);
    const client = routes.find((r) => r.rule === "location ~ ^/_matrix/client")!;
    expect(client.targets).toEqual(["generic_worker1", "generic_worker2"]);
    // A sender serves no route: it is behind none.
    expect(routes.flatMap((r) => r.targets)).not.toContain("federation_sender1");
    expect(new Set(routes.map((r) => r.router)).size).toBe(routes.length);
  });

  it("a hand-written file: members without a name comment show their address; a proxy_pass to a host shows the host", () => {
    const text = `upstream pool {\n  # a comment on its own line names nothing\n  server 10.0.0.5:8009 weight=2;\n}\nserver {\n  listen 80;\n  location = "/health" { proxy_pass http://pool; }\n  location / { proxy_pass http://synapse:8008/; }\n}\n`;
    expect(routesFromNginx(text)).toEqual([
      { router: "location = /health", rule: "location = /health", service: "pool", targets: ["10.0.0.5:8009"] },
      { router: "location /", rule: "location /", service: "synapse:8008", targets: ["synapse:8008"] },
    ]);
  });

  it("reads a whole nginx.conf (an http block around it) too", () => {
    expect(routesFromNginx(`events {}\nhttp {\n${rendered}}\n`)).toEqual(routesFromNginx(rendered));
  });

  it("a file it cannot read is an error naming the line", () => {
    expect(() => parseNginx("upstream a {\n server x:1;\n")).toThrow(/a block is not closed/);
    expect(() => parseNginx("server {\n listen 80\n}\n")).toThrow(/line 3: "listen" does not end with ;/);
    expect(() => parseNginx("}\n")).toThrow(/line 1: a } without its {/);
    expect(() => parseNginx('location "/x {')).toThrow(/a quote is not closed/);
    expect(() => parseNginx("x".repeat(1024 * 1024 + 1))).toThrow(/larger than/);
    expect(() => parseNginx("a {".repeat(20) + "}".repeat(20))).toThrow(/nested deeper/);
  });
});

describe("nginxRoutes", () => {
  const lb = { name: "lb", labels: { "io.synapse-fleet.role": "load-balancer", "io.synapse-fleet.lb.kind": "nginx" } };
  it("reads the labelled load balancer's file; a broken one is a warning with no routes; no lb is null", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "fleet-lbroutes-"));
    try {
      expect(await nginxRoutes([{ name: "redis", labels: {} }], dir)).toBeNull();
      expect(await nginxRoutes([lb], dir)).toEqual({ routes: [], warning: "lb: nginx/synapse.conf does not exist, so nginx routes nothing of ours" });
      mkdirSync(path.join(dir, "nginx"));
      writeFileSync(path.join(dir, "nginx/synapse.conf"), rendered);
      expect(await nginxRoutes([lb], dir)).toEqual({ routes: routesFromNginx(rendered), warning: null });
      writeFileSync(path.join(dir, "nginx/synapse.conf"), rendered.replace("keepalive 16;", "keepalive 16"));
      const broken = await nginxRoutes([lb], dir);
      expect(broken?.routes).toEqual([]);
      expect(broken?.warning).toMatch(/^lb: cannot read the routes of nginx\/synapse\.conf: line \d+: "keepalive" does not end with ;$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
