import { describe, expect, it } from "vitest";
import { FleetError } from "../errors";
import { bodySizeOf, renderNginx, type NginxDeployment } from "./nginx";

const lab: NginxDeployment = {
  listenPort: 8080,
  main: { host: "synapse", port: 8008 },
  workers: [
    { name: "generic_worker1", kind: "generic", host: "synapse-worker-generic", port: 8009 },
    { name: "media_worker", kind: "media", host: "synapse-worker-media", port: 8010 },
    { name: "federation_sender1", kind: "federation_sender", host: "synapse-worker-federation-sender", port: 8011 },
  ],
};

function thrown(fn: () => unknown): FleetError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FleetError) return err;
    throw err;
  }
  throw new Error("did not throw");
}

/** The text of one block: `upstream x {` … `}`. */
const block = (conf: string, head: string) => {
  const start = conf.indexOf(`${head} {`);
  return start === -1 ? null : conf.slice(start, conf.indexOf("}", start) + 1);
};

describe("the nginx entrypoint's config", () => {
  it("has an upstream per routed pool and balancing, main's, and none for unrouted kinds", () => {
    const conf = renderNginx(lab);
    expect([...conf.matchAll(/^upstream (\S+) \{$/gm)].map((m) => m[1])).toEqual(["synapse_main", "synapse_generic", "synapse_generic_by_user", "synapse_media"]);
    expect(block(conf, "upstream synapse_media")).toBe(
      "upstream synapse_media {\n    zone synapse_media 68k;\n    resolver 127.0.0.11 valid=2s;\n    server synapse-worker-media:8010 resolve; # media_worker\n    keepalive 16;\n}",
    );
    expect(conf).not.toContain("federation-sender");
  });

  it("keeps a user's /sync on one worker by the access token, and balances the rest round robin", () => {
    const conf = renderNginx({ ...lab, workers: [...lab.workers, { name: "generic_worker2", kind: "generic", host: "gw2", port: 8012 }] });
    expect(block(conf, "upstream synapse_generic_by_user")).toMatch(/^upstream synapse_generic_by_user \{\n {4}zone synapse_generic_by_user 72k;\n {4}resolver 127\.0\.0\.11 valid=2s;\n {4}hash \$fleet_user_key consistent;\n {4}server synapse-worker-generic:8009 resolve; # generic_worker1\n {4}server gw2:8012 resolve; # generic_worker2\n/);
    expect(block(conf, "upstream synapse_generic")).not.toContain("hash");
    expect(conf).toContain("map $http_authorization $fleet_access_token {");
    expect(conf).toContain('"~^syt_(?<fleet_localpart>[^_]+)_" $fleet_localpart;');
    expect(conf).toMatch(/location ~ \^\/_matrix\/client\/\(r0\|v3\)\/sync\$ \{\n\s+proxy_pass http:\/\/synapse_generic_by_user;/);
    expect(conf).toMatch(/location ~ \^\/_matrix\/client \{\n\s+proxy_pass http:\/\/synapse_generic;/);
  });

  it("balances inbound federation transactions by source address", () => {
    const conf = renderNginx({ ...lab, workers: [{ name: "federation_inbound1", kind: "federation_inbound", host: "fi1", port: 8020 }] });
    expect(block(conf, "upstream synapse_federation_inbound_by_ip")).toContain("hash $remote_addr consistent;");
    expect(conf).not.toContain("$fleet_user_key");
  });

  it("writes media locations before generic's, and main last as the only prefix location", () => {
    const conf = renderNginx(lab);
    const locations = [...conf.matchAll(/^\s+location (.*) \{$/gm)].map((m) => m[1]);
    expect(locations.at(-1)).toBe("/");
    expect(locations.slice(0, -1).every((l) => l.startsWith("~ ^/"))).toBe(true);
    expect(locations.indexOf("~ ^/_matrix/client/v1/media")).toBeLessThan(locations.indexOf("~ ^/_matrix/client"));
    expect(block(conf, "    location /")).toContain("proxy_pass http://synapse_main;");
    // No URI part after the upstream: nginx would rewrite the path Synapse checks signatures over.
    expect([...conf.matchAll(/proxy_pass (\S+);/g)].every((m) => /^http:\/\/[a-z_]+$/.test(m[1]))).toBe(true);
  });

  it("sets the proxy headers Synapse reads, once, for every location", () => {
    const conf = renderNginx(lab);
    for (const h of ["X-Forwarded-For $remote_addr", "X-Forwarded-Proto $scheme", "Host $host:$server_port"]) expect(conf.split(`proxy_set_header ${h};`).length).toBe(2);
    expect(conf).toContain("    listen 8080;\n    server_name _;");
  });

  it("gives everything to main when no routed worker exists", () => {
    const conf = renderNginx({ ...lab, workers: [] });
    expect([...conf.matchAll(/^\s+location (.*) \{$/gm)].map((m) => m[1])).toEqual(["/"]);
    expect(conf).not.toContain("map $http_authorization");
  });

  it("is the same bytes for the same deployment, whatever the order of its workers", () => {
    const a = renderNginx(lab);
    expect(renderNginx(lab)).toBe(a);
    expect(renderNginx({ ...lab, workers: [...lab.workers].reverse() })).toBe(a);
  });

  it("sizes client_max_body_size like max_upload_size, Synapse's default when absent", () => {
    expect(renderNginx(lab)).toContain("client_max_body_size 50m;");
    expect(renderNginx({ ...lab, maxUploadSize: "100M" })).toContain("client_max_body_size 100m;");
    expect(bodySizeOf("2G")).toBe("2g");
    expect(bodySizeOf("1T")).toBe("1024g");
    expect(bodySizeOf("1536K")).toBe("1536k");
    expect(bodySizeOf(1000)).toBe("1000");
    // 0 means "no limit" to nginx: refused rather than turned into its opposite.
    expect(thrown(() => renderNginx({ ...lab, maxUploadSize: "0" })).details).toEqual({ reason: "max_upload_size" });
  });

  it("refuses input that could break or inject into the config, and says where", () => {
    const bad: [NginxDeployment, string][] = [
      [{ ...lab, main: { host: "synapse; include /etc/passwd", port: 8008 } }, "main.host"],
      [{ ...lab, workers: [{ name: "x }", kind: "generic", host: "h", port: 1 }] }, "workers.0.name"],
      [{ ...lab, listenPort: 0 }, "listenPort"],
      [{ ...lab, workers: [{ name: "w", kind: "generic", host: "h", port: 70000 }] }, "workers.0.port"],
      [{ ...lab, maxUploadSize: "50MB" }, "maxUploadSize"],
      [{ ...lab, serverName: "a b" }, "serverName"],
      [{ ...lab, workers: Array.from({ length: 1001 }, (_, i) => ({ name: `w${i}`, kind: "generic" as const, host: "h", port: 1 })) }, "workers"],
    ];
    for (const [input, path] of bad) {
      const err = thrown(() => renderNginx(input));
      expect(err.code).toBe("invalid");
      expect(err.details).toEqual({ reason: "nginx_input", path });
    }
    const twice = thrown(() => renderNginx({ ...lab, workers: [lab.workers[0], lab.workers[0]] }));
    expect(twice.details).toEqual({ reason: "nginx_input", worker: "generic_worker1" });
  });

  it("writes an IPv6 upstream address in brackets", () => {
    expect(renderNginx({ ...lab, main: { host: "fd00::2", port: 8008 } })).toContain("server [fd00::2]:8008; # main");
  });
});

describe("upstream names nginx re-resolves as it runs", () => {
  it("gives every upstream its own zone and Docker's resolver, and marks each named member resolve", () => {
    const conf = renderNginx(lab);
    const upstreams = [...conf.matchAll(/^upstream (\S+) \{$/gm)].map((m) => m[1]);
    for (const name of upstreams) {
      const text = block(conf, `upstream ${name}`)!;
      expect(text).toContain(`    zone ${name} `);
      expect(text).toContain("    resolver 127.0.0.11 valid=2s;");
    }
    const members = [...conf.matchAll(/^ {4}server (.*); # (\S+)$/gm)].map((m) => m[1]);
    expect(members.length).toBeGreaterThan(0);
    expect(members.every((m) => m.endsWith(" resolve"))).toBe(true);
  });

  it("looks up no IP address, and brackets an IPv6 resolver", () => {
    const conf = renderNginx({ ...lab, main: { host: "172.18.0.5", port: 8008 }, resolver: "fd00::53" });
    expect(conf).toContain("    server 172.18.0.5:8008; # main");
    expect(conf).toContain("    resolver [fd00::53] valid=2s;");
    expect(renderNginx({ ...lab, resolver: "10.0.0.2" })).toContain("    resolver 10.0.0.2 valid=2s;");
  });

  it("sizes a zone by its members, so a pool of 1,000 workers fits", () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({ name: `generic_worker${i}`, kind: "generic" as const, host: `gw${i}`, port: 9000 + i }));
    const conf = renderNginx({ ...lab, workers: many });
    expect(block(conf, "upstream synapse_generic")).toContain("zone synapse_generic 4064k;");
    expect(block(conf, "upstream synapse_main")).toContain("zone synapse_main 68k;");
  });

  it("refuses a resolver that is not an address (it would be written into the config)", () => {
    for (const resolver of ["dns.example", "127.0.0.11; include /x", ""]) {
      expect(thrown(() => renderNginx({ ...lab, resolver })).details).toEqual({ reason: "nginx_input", path: "resolver" });
    }
  });
});
