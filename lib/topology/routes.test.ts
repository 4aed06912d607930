import { describe, expect, it } from "vitest";
import { routesFromLabels } from "./routes";

const p = (name: string, labels: Record<string, string>) => ({ name, unit: { labels } });

describe("routesFromLabels", () => {
  it("puts every container that defines a shared service behind its router", () => {
    const generic = {
      "traefik.enable": "true",
      "traefik.http.routers.synapse-client.rule": "PathPrefix(`/_matrix/client`)",
      "traefik.http.routers.synapse-client.service": "synapse-generic",
      "traefik.http.services.synapse-generic.loadbalancer.server.port": "8009",
    };
    const routes = routesFromLabels([
      p("generic_worker1", generic),
      p("generic_worker2", { "traefik.http.services.synapse-generic.loadbalancer.server.port": "8011" }),
      p("main", { "traefik.http.routers.synapse.rule": "Host(`fleet.test`)", "traefik.http.services.synapse.loadbalancer.server.port": "8008" }),
    ]);
    expect(routes).toEqual([
      { router: "synapse", rule: "Host(`fleet.test`)", service: "synapse", targets: ["main"] },
      { router: "synapse-client", rule: "PathPrefix(`/_matrix/client`)", service: "synapse-generic", targets: ["generic_worker1", "generic_worker2"] },
    ]);
  });

  it("skips containers with traefik.enable=false", () => {
    expect(routesFromLabels([p("x", { "traefik.enable": "false", "traefik.http.routers.r.rule": "Host(`a`)" })])).toEqual([]);
  });
});
