import { describe, expect, it } from "vitest";
import { workerKinds, type WorkerKind } from "./catalogue";
import { FleetError } from "../errors";
import {
  assertNoRouteConflicts,
  findRouteConflicts,
  insidePrefix,
  orderedRoutes,
  routeGlobs,
  routeRegex,
  routesOverlap,
  routingTable,
  type Route,
  type RouteTable,
} from "./routes-table";

const prefix = (path: string): Route => ({ match: "prefix", path });
const regex = (path: string): Route => ({ match: "regex", path });
const matches = (r: Route, p: string) => new RegExp(routeRegex(r)).test(p);

function thrown(fn: () => unknown): FleetError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FleetError) return err;
    throw err;
  }
  throw new Error("did not throw");
}

describe("the catalogue's route table", () => {
  it("routes the kinds that serve requests, and every route is in the dialect", () => {
    expect(Object.keys(routingTable).sort()).toEqual(["client_reader", "event_creator", "federation_inbound", "federation_reader", "generic", "media", "synchrotron", "user_dir"]);
    for (const r of Object.values(routingTable)) for (const route of r!.routes) expect(routeGlobs(route).length).toBeGreaterThan(0);
  });

  it("keeps generic on /_matrix/client and /_synapse/client and media on the three media prefixes", () => {
    const prefixes = (k: WorkerKind) => routingTable[k]!.routes.filter((r) => r.match === "prefix").map((r) => r.path);
    expect(prefixes("generic")).toEqual(["/_matrix/client", "/_synapse/client"]);
    expect(prefixes("media")).toEqual(["/_matrix/media", "/_matrix/client/v1/media", "/_matrix/federation/v1/media"]);
    // generic's regexes only balance inside its own prefix: they widen nothing.
    for (const r of routingTable.generic!.routes.filter((x) => x.match === "regex")) expect(insidePrefix(r, prefix("/_matrix/client"))).toBe(true);
  });

  it("has no claim that precedence does not settle, across all kinds at once", () => {
    expect(findRouteConflicts(workerKinds)).toEqual([]);
    expect(() => assertNoRouteConflicts(workerKinds)).not.toThrow();
  });

  it("gives kinds of one pool the same priority and routes", () => {
    const byPool = new Map<string, { priority: number; routes: readonly Route[] }>();
    for (const r of Object.values(routingTable)) {
      const seen = byPool.get(r!.pool);
      if (seen) expect({ priority: r!.priority, routes: r!.routes }).toEqual(seen);
      else byPool.set(r!.pool, { priority: r!.priority, routes: r!.routes });
    }
    expect(routingTable.client_reader!.pool).toBe("synapse-generic");
  });

  it("keeps send_join and friends off the inbound transaction route", () => {
    const inbound = routingTable.federation_inbound!.routes[0];
    expect(matches(inbound, "/_matrix/federation/v1/send/txn1")).toBe(true);
    for (const p of ["/_matrix/federation/v1/send_join/!a/$e", "/_matrix/federation/v1/send_leave/!a/$e", "/_matrix/federation/v1/send_knock/!a/$e"]) expect(matches(inbound, p)).toBe(false);
  });
});

describe("overlap of two routes", () => {
  it("finds the shortest common path, or says none exists", () => {
    expect(routesOverlap(prefix("/_matrix/client"), prefix("/_matrix/client/v1/media"))).toBe("/_matrix/client/v1/media");
    expect(routesOverlap(prefix("/_matrix/client"), regex("^/_matrix/client/(r0|v3)/sync$"))).toBe("/_matrix/client/r0/sync");
    expect(routesOverlap(prefix("/_matrix/federation/v1/send/"), regex("^/_matrix/federation/(v1|v2)/send_join/"))).toBeNull();
    expect(routesOverlap(regex("^/a/[^/]+/b$"), regex("^/a/.*/b$"))).toBe("/a/x/b");
    expect(routesOverlap(regex("^/a/[^/]+/b$"), regex("^/a/.*/c"))).toBeNull();
    expect(routesOverlap(regex("^/a(/|$)"), prefix("/a/"))).toBe("/a/");
    expect(routesOverlap(regex("^/a(/|$)"), regex("^/ab"))).toBeNull();
    expect(routesOverlap(regex("^/x/(b|c)?d$"), regex("^/x/d"))).toBe("/x/d");
  });

  it("shows why a room id is [^/]+: with .* a send route and a typing route meet", () => {
    const send = (id: string) => regex(`^/_matrix/client/(r0|v3)/rooms/${id}/send`);
    const typing = (id: string) => regex(`^/_matrix/client/(r0|v3)/rooms/${id}/typing`);
    const w = routesOverlap(send(".*"), typing(".*"));
    expect(w).not.toBeNull();
    expect(matches(send(".*"), w!) && matches(typing(".*"), w!)).toBe(true);
    expect(routesOverlap(send("[^/]+"), typing("[^/]+"))).toBeNull();
  });

  it("agrees with the regexes themselves on every pair of the table's routes", () => {
    const routes = Object.values(routingTable).flatMap((r) => r!.routes);
    const samples = ["/_matrix/client/v3/sync", "/_matrix/client/v3/rooms/!a/send/m/t", "/_matrix/client/r0/rooms/x/initialSync", "/_matrix/media/v3/upload", "/_matrix/federation/v1/send/t", "/_matrix/client/v1/media/x"];
    for (const a of routes) {
      for (const b of routes) {
        const w = routesOverlap(a, b);
        if (w !== null) expect(matches(a, w) && matches(b, w), `${a.path} ∩ ${b.path} = ${w}`).toBe(true);
        else for (const s of samples) expect(matches(a, s) && matches(b, s), `${a.path} ∩ ${b.path} said none, yet ${s}`).toBe(false);
      }
    }
  });

  it("refuses patterns outside the dialect", () => {
    for (const bad of [regex("/_matrix/client"), regex("^/a/(b"), regex("^/a/.+"), regex("^/a$/b"), regex("^/a/[a-z]"), prefix("_matrix"), prefix("/a b"), regex(`^/${"(a|b)".repeat(9)}`)]) {
      const err = thrown(() => routeGlobs(bad));
      expect(err.code).toBe("invalid");
      expect(err.details?.reason).toBe("route_pattern");
    }
  });
});

describe("route conflicts at plan time", () => {
  const table = (rows: [WorkerKind, string, number, Route[]][]): RouteTable =>
    Object.fromEntries(rows.map(([kind, pool, priority, routes]) => [kind, { kind, pool, priority, routes }]));

  it("refuses two kinds of equal priority that claim the same prefix", () => {
    const t = table([["generic", "a", 20, [prefix("/_matrix/client")]], ["synchrotron", "b", 20, [prefix("/_matrix/client")]]]);
    const err = thrown(() => assertNoRouteConflicts(["generic", "synchrotron"], t));
    expect(err.code).toBe("invalid");
    expect(err.details).toMatchObject({ reason: "route_conflict", conflicts: [{ kinds: ["generic", "synchrotron"], example: "/_matrix/client", priority: 20 }] });
    expect(err.message).toMatch(/generic .* and synchrotron .* both claim \/_matrix\/client at priority 20/);
  });

  it("refuses a regex that meets another kind's route at the same priority, naming a path both take", () => {
    const t = table([["generic", "a", 40, [regex("^/_matrix/client/(r0|v3)/sync$")]], ["event_creator", "b", 40, [regex("^/_matrix/client/v3/[^/]+$")]]]);
    expect(findRouteConflicts(["generic", "event_creator"], t)).toEqual([
      { kinds: ["generic", "event_creator"], routes: ["^/_matrix/client/(r0|v3)/sync$", "^/_matrix/client/v3/[^/]+$"], priority: 40, example: "/_matrix/client/v3/sync" },
    ]);
  });

  it("lets precedence, a shared pool or disjoint paths settle a claim", () => {
    const t = table([
      ["generic", "g", 20, [prefix("/_matrix/client")]],
      ["client_reader", "g", 20, [prefix("/_matrix/client")]],
      ["synchrotron", "s", 40, [regex("^/_matrix/client/(r0|v3)/sync$")]],
      ["event_creator", "e", 40, [regex("^/_matrix/client/(r0|v3)/rooms/[^/]+/send")]],
    ]);
    expect(findRouteConflicts(["generic", "client_reader", "synchrotron", "event_creator"], t)).toEqual([]);
  });

  it("only looks at the kinds the deployment has", () => {
    const t = table([["generic", "a", 20, [prefix("/x")]], ["synchrotron", "b", 20, [prefix("/x")]]]);
    expect(findRouteConflicts(["generic", "media"], t)).toEqual([]);
  });
});

describe("route order for first-match routers", () => {
  it("puts higher priorities first and a pool's regexes before its prefixes", () => {
    const order = orderedRoutes(["generic", "media", "synchrotron"]).map((r) => `${r.kind}:${r.route.path}`);
    expect(order.indexOf("synchrotron:^/_matrix/client/(r0|v3)/sync$")).toBeLessThan(order.indexOf("media:/_matrix/media"));
    expect(order.indexOf("media:/_matrix/client/v1/media")).toBeLessThan(order.indexOf("generic:/_matrix/client"));
    expect(order.indexOf("generic:^/_matrix/client/(r0|v3)/sync$")).toBeLessThan(order.indexOf("generic:/_matrix/client"));
    expect(orderedRoutes(["federation_sender", "pusher"])).toEqual([]);
  });
});
