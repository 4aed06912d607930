import { describe, expect, it } from "vitest";
import { genericContainer, mainContainer } from "./fixtures/lab";
import { genericTraefikLabels, traefikLabels } from "./traefik";

const main = { labels: mainContainer.labels };

describe("Traefik labels from the route table", () => {
  it("keeps the labels existing generic workers carry: same keys, rule, priority and sticky cookie", () => {
    const labels = genericTraefikLabels("generic", 8009, main);
    const existing = Object.fromEntries(Object.entries(genericContainer.labels).filter(([k]) => k.startsWith("traefik.") && !k.endsWith(".cookie.name")));
    expect(labels).toEqual(existing);
  });

  it("keeps media's rule as prefixes at priority 30, without stickiness", () => {
    expect(genericTraefikLabels("media", 8010, { labels: {} })).toEqual({
      "traefik.enable": "true",
      "traefik.http.routers.synapse-media.rule": "PathPrefix(`/_matrix/media`) || PathPrefix(`/_matrix/client/v1/media`) || PathPrefix(`/_matrix/federation/v1/media`)",
      "traefik.http.routers.synapse-media.priority": "30",
      "traefik.http.routers.synapse-media.service": "synapse-media",
      "traefik.http.services.synapse-media.loadbalancer.server.port": "8010",
    });
  });

  it("writes regex routes as PathRegexp, above generic's priority, sticky where the table says", () => {
    const labels = genericTraefikLabels("synchrotron", 8013, main);
    expect(labels["traefik.http.routers.synapse-synchrotron.rule"]).toBe(
      "Host(`fleet.test`) && (PathRegexp(`^/_matrix/client/(r0|v3)/sync$`) || PathRegexp(`^/_matrix/client/(api/v1|r0|v3)/events$`) || " +
        "PathRegexp(`^/_matrix/client/(api/v1|r0|v3)/initialSync$`) || PathRegexp(`^/_matrix/client/(api/v1|r0|v3)/rooms/[^/]+/initialSync$`))",
    );
    expect(labels["traefik.http.routers.synapse-synchrotron.priority"]).toBe("40");
    expect(labels["traefik.http.services.synapse-synchrotron.loadbalancer.sticky.cookie"]).toBe("true");
    expect(Object.values(labels).join(" ")).not.toMatch(/PathPrefix\(`[^`]*[()|^$*]/);
  });

  it("routes the inbound transactions by prefix with the trailing slash, and no cookie for source-IP stickiness", () => {
    const labels = genericTraefikLabels("federation_inbound", 8014, { labels: {} });
    expect(labels["traefik.http.routers.synapse-federation-inbound.rule"]).toBe("PathPrefix(`/_matrix/federation/v1/send/`)");
    expect(Object.keys(labels).some((k) => k.includes("sticky"))).toBe(false);
  });

  it("labels nothing for a kind the table does not route, or when nothing is behind Traefik", () => {
    expect(genericTraefikLabels("federation_sender", 8015, main)).toEqual({});
    expect(traefikLabels("synchrotron", 8013, { labels: {} }, [])).toEqual({});
    expect(traefikLabels("event_creator", 8016, main, [])["traefik.http.routers.synapse-event-creator.priority"]).toBe("40");
  });
});
