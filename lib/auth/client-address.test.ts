import type { IncomingHttpHeaders } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { clientIp } from "./request";

// scripts/server.mjs is plain JavaScript run by node; its helpers are loaded as it ships.
interface Trusted {
  count: number;
  has(addr: string | null): boolean;
}
interface ServerModule {
  normaliseAddress(raw: unknown): string | null;
  parseTrustedProxies(spec?: string): Trusted;
  decideClient(peer: string | null, forwardedFor: string | undefined, trusted: Trusted): string | null;
  stampRequest(req: { socket: { remoteAddress?: string }; headers: IncomingHttpHeaders; url?: string }, trusted: Trusted, secret: string): void;
}
let server: ServerModule;
beforeAll(async () => {
  const file = pathToFileURL(path.resolve(import.meta.dirname, "../../scripts/server.mjs")).href;
  server = (await import(/* @vite-ignore */ file)) as ServerModule;
});

const SECRET = "per-boot-secret-for-tests";
afterEach(() => {
  delete process.env.FLEET_INTERNAL_SECRET;
});

/** What a route handler would see after scripts/server.mjs handled a request from `peer`. */
function throughServer(peer: string, headers: IncomingHttpHeaders, trustedSpec = ""): { headers: IncomingHttpHeaders; ip: string | null } {
  const req = { socket: { remoteAddress: peer }, headers: { ...headers } };
  server.stampRequest(req, server.parseTrustedProxies(trustedSpec), SECRET);
  process.env.FLEET_INTERNAL_SECRET = SECRET;
  const h = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") h.set(k, v);
  return { headers: req.headers, ip: clientIp(new Request("http://fleet.local/api/auth/login", { headers: h })) };
}

const FORGED = {
  "x-forwarded-for": "1.2.3.4",
  "x-forwarded-host": "evil.example",
  "x-forwarded-proto": "https",
  "x-forwarded-port": "443",
  "x-real-ip": "1.2.3.4",
  forwarded: "for=1.2.3.4;proto=https",
  "x-fleet-client": "guess 1.2.3.4",
};

describe("client address (scripts/server.mjs → clientIp)", () => {
  it("with no trusted proxies, takes the socket peer and drops every forwarding header a client sent", () => {
    const { headers, ip } = throughServer("203.0.113.9", { host: "fleet.local", ...FORGED });
    expect(ip).toBe("203.0.113.9");
    for (const h of ["x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-real-ip", "forwarded"]) {
      expect(headers[h]).toBeUndefined();
    }
    expect(headers.host).toBe("fleet.local");
    expect(headers["x-fleet-client"]).toBe(`${SECRET} 203.0.113.9`);
  });

  it("names the page asked for itself, whatever a client sent as x-fleet-page", () => {
    const req = { socket: { remoteAddress: "203.0.113.9" }, headers: { "x-fleet-page": "//evil.example/" } as IncomingHttpHeaders, url: "/metrics?range=6h" };
    server.stampRequest(req, server.parseTrustedProxies(""), SECRET);
    expect(req.headers["x-fleet-page"]).toBe("/metrics?range=6h");
  });

  it("unmaps an IPv4-mapped peer", () => {
    expect(throughServer("::ffff:203.0.113.9", {}).ip).toBe("203.0.113.9");
    expect(throughServer("2001:db8::7", {}).ip).toBe("2001:db8::7");
  });

  it("from an untrusted peer, ignores X-Forwarded-For even when it names a trusted proxy", () => {
    expect(throughServer("203.0.113.9", { "x-forwarded-for": "10.0.0.1" }, "10.0.0.0/8").ip).toBe("203.0.113.9");
  });

  it("behind trusted proxies, takes the right-most address that is not a proxy", () => {
    const trusted = "10.0.0.0/8, 2001:db8:ff::/48";
    const seen = throughServer("10.0.0.2", { "x-forwarded-for": "6.6.6.6, 198.51.100.7, 10.0.0.3", "x-forwarded-proto": "https" }, trusted);
    expect(seen.ip).toBe("198.51.100.7");
    // A trusted proxy's forwarding headers pass through.
    expect(seen.headers["x-forwarded-proto"]).toBe("https");
    expect(throughServer("::ffff:10.1.2.3", { "x-forwarded-for": "198.51.100.8" }, trusted).ip).toBe("198.51.100.8");
    expect(throughServer("2001:db8:ff:1::5", { "x-forwarded-for": "[2001:db8:1::9]:4711" }, trusted).ip).toBe("2001:db8:1::9");
    // Without the header, the proxy itself is the client; garbage stops the walk at the last vouched hop.
    expect(throughServer("10.0.0.2", {}, trusted).ip).toBe("10.0.0.2");
    expect(throughServer("10.0.0.2", { "x-forwarded-for": "198.51.100.7, not-an-ip, 10.0.0.4" }, trusted).ip).toBe("10.0.0.4");
  });

  it("parses FLEET_TRUSTED_PROXIES strictly", () => {
    const t = server.parseTrustedProxies(" 192.0.2.1 ,10.0.0.0/8,::1,fd00::/8,::ffff:172.16.0.0/108 ");
    expect(t.count).toBe(5);
    for (const a of ["192.0.2.1", "10.255.0.1", "::1", "fd12::3", "172.16.9.9"]) expect(t.has(a)).toBe(true);
    for (const a of ["192.0.2.2", "11.0.0.1", "::2", "fe80::1", "172.32.0.1"]) expect(t.has(a)).toBe(false);
    expect(server.parseTrustedProxies("").count).toBe(0);
    expect(server.parseTrustedProxies(undefined).count).toBe(0);
    for (const bad of ["10.0.0.0/33", "10.0.0.0/x", "example.com", "10.0.0.0/8/1", "fd00::/129", "1.2.3"]) {
      expect(() => server.parseTrustedProxies(bad)).toThrow(/FLEET_TRUSTED_PROXIES/);
    }
  });

  it("believes the address header only with this boot's secret", () => {
    const ask = (value: string | null) => {
      const headers = value === null ? undefined : { "x-fleet-client": value };
      return clientIp(new Request("http://fleet.local/", { headers }));
    };
    process.env.FLEET_INTERNAL_SECRET = SECRET;
    expect(ask(`${SECRET} 198.51.100.1`)).toBe("198.51.100.1");
    expect(ask(`${SECRET}x 198.51.100.1`)).toBeNull();
    expect(ask(`wrong 198.51.100.1`)).toBeNull();
    expect(ask(`${SECRET} not-an-address`)).toBeNull();
    expect(ask(`${SECRET}`)).toBeNull();
    expect(ask(null)).toBeNull();
    // Forwarding headers alone never make an address.
    expect(clientIp(new Request("http://fleet.local/", { headers: { "x-forwarded-for": "1.2.3.4", "x-real-ip": "1.2.3.4" } }))).toBeNull();
    delete process.env.FLEET_INTERNAL_SECRET;
    expect(ask(`${SECRET} 198.51.100.1`)).toBeNull();
    expect(ask(" 198.51.100.1")).toBeNull();
  });
});
