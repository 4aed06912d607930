import { describe, expect, it } from "vitest";
import { workerKinds, type WorkerKind } from "./catalogue";
import { renderNginx } from "./nginx";
import { routeRegex, routingTable } from "./routes-table";
import { genericTraefikLabels } from "./traefik";

/**
 * The two renderers route alike: for every request path of a corpus, the workers nginx would pick
 * (its location matching, simulated on the rendered text) are the ones Traefik would pick (rule and
 * priority matching, simulated on the labels). Both simulators read only the rendered output.
 */

interface Worker { name: string; kind: WorkerKind; host: string; port: number }
const MAIN = { host: "synapse", port: 8008 };
const mainLabels = {
  "traefik.enable": "true",
  "traefik.http.routers.synapse.rule": "Host(`fleet.test`)",
  "traefik.http.routers.synapse.priority": "10",
  "traefik.http.routers.synapse.service": "synapse",
  "traefik.http.services.synapse.loadbalancer.server.port": "8008",
};

// --- nginx: exact `=`, then the longest prefix (final with ^~), else regexes in file order. ---
interface Location { mod: string; arg: string; upstream: string }
function parseNginx(conf: string): { locations: Location[]; upstreams: Map<string, string[]> } {
  const upstreams = new Map<string, string[]>();
  const locations: Location[] = [];
  let current: string[] | null = null;
  let pending: { mod: string; arg: string } | null = null;
  for (const line of conf.split("\n").map((l) => l.trim())) {
    const up = /^upstream (\S+) \{$/.exec(line);
    if (up) upstreams.set(up[1], (current = []));
    else if (current && /^server (\S+)(?: [^;]*)?;/.test(line)) current.push(/^server (\S+)(?: [^;]*)?;/.exec(line)![1]);
    else if (line === "}") current = null;
    const loc = /^location (?:(=|~\*|~|\^~) )?(\S+) \{$/.exec(line);
    if (loc) pending = { mod: loc[1] ?? "", arg: loc[2] };
    const pass = /^proxy_pass http:\/\/(\S+);$/.exec(line);
    if (pass && pending) {
      locations.push({ ...pending, upstream: pass[1] });
      pending = null;
    }
  }
  return { locations, upstreams };
}

function nginxPick(conf: string, path: string): string {
  const { locations, upstreams } = parseNginx(conf);
  const exact = locations.find((l) => l.mod === "=" && l.arg === path);
  let chosen = exact;
  if (!chosen) {
    const prefix = locations.filter((l) => (l.mod === "" || l.mod === "^~") && path.startsWith(l.arg)).sort((a, b) => b.arg.length - a.arg.length)[0];
    chosen = prefix?.mod === "^~" ? prefix : (locations.find((l) => (l.mod === "~" || l.mod === "~*") && new RegExp(l.arg, l.mod === "~*" ? "i" : "").test(path)) ?? prefix);
  }
  if (!chosen) return "(no location)";
  return (upstreams.get(chosen.upstream) ?? [`(no upstream ${chosen.upstream})`]).sort().join(" ");
}

// --- Traefik: every router whose rule matches; the highest priority wins; a tie is an error. ---
function traefikPick(containers: { address: string; labels: Record<string, string> }[], host: string, path: string): string {
  const routers = new Map<string, { rule: string; priority: number; service: string }>();
  const servers = new Map<string, string[]>();
  for (const c of containers) {
    for (const [k, v] of Object.entries(c.labels)) {
      const r = /^traefik\.http\.routers\.([^.]+)\.rule$/.exec(k);
      if (r) {
        const name = r[1];
        const prev = routers.get(name);
        if (prev && prev.rule !== v) throw new Error(`router ${name} has two rules`);
        const priority = Number(c.labels[`traefik.http.routers.${name}.priority`] ?? v.length);
        routers.set(name, { rule: v, priority, service: c.labels[`traefik.http.routers.${name}.service`] });
      }
      const s = /^traefik\.http\.services\.([^.]+)\.loadbalancer\.server\.port$/.exec(k);
      if (s) servers.set(s[1], [...(servers.get(s[1]) ?? []), `${c.address.split(":")[0]}:${v}`]);
    }
  }
  const matches = (rule: string): boolean => {
    const m = /^Host\(`([^`]+)`\)(?: && \((.*)\))?$/.exec(rule);
    if (m && m[1] !== host) return false;
    const paths = m ? m[2] : rule;
    if (paths === undefined) return true;
    return paths.split(" || ").some((p) => {
      const pm = /^(PathPrefix|PathRegexp)\(`([^`]+)`\)$/.exec(p);
      if (!pm) throw new Error(`unread matcher ${p}`);
      return pm[1] === "PathPrefix" ? path.startsWith(pm[2]) : new RegExp(pm[2]).test(path);
    });
  };
  const hits = [...routers.values()].filter((r) => matches(r.rule)).sort((a, b) => b.priority - a.priority);
  if (hits.length === 0) return "(no router)";
  if (hits.length > 1 && hits[1].priority === hits[0].priority && hits[1].service !== hits[0].service) return `(tie ${hits[0].service} ${hits[1].service})`;
  return (servers.get(hits[0].service) ?? []).sort().join(" ");
}

const corpus = [
  "/_matrix/client/v3/sync", "/_matrix/client/r0/sync", "/_matrix/client/v3/sync/x", "/_matrix/client/v3/events",
  "/_matrix/client/api/v1/events", "/_matrix/client/v3/initialSync", "/_matrix/client/r0/rooms/!a:fleet.test/initialSync",
  "/_matrix/client/v3/rooms/!a:fleet.test/send/m.room.message/t1", "/_matrix/client/v3/rooms/!a:fleet.test/redact/$e/t2",
  "/_matrix/client/unstable/rooms/!a:fleet.test/state/m.room.name/", "/_matrix/client/v3/rooms/!a:fleet.test/state",
  "/_matrix/client/v3/rooms/!a:fleet.test/join", "/_matrix/client/api/v1/rooms/!a:fleet.test/kick", "/_matrix/client/v3/rooms/!a:fleet.test/leave/x",
  "/_matrix/client/v3/rooms/!a:fleet.test/joined_members", "/_matrix/client/v3/rooms/!a:fleet.test/typing/@u:fleet.test",
  "/_matrix/client/v3/rooms/!a:fleet.test/messages", "/_matrix/client/v3/join/!a:fleet.test", "/_matrix/client/r0/knock/!a:fleet.test",
  "/_matrix/client/v3/profile/@alice:fleet.test/displayname", "/_matrix/client/v3/user_directory/search",
  "/_matrix/client/api/v1/user_directory/search", "/_matrix/client/v3/login", "/_matrix/client/versions", "/_matrix/client/v3/register",
  "/_matrix/client/v3/keys/query", "/_matrix/client/v3/account/whoami", "/_matrix/client/v3/pushrules/", "/_matrix/clientele",
  "/_matrix/client/v1/media/download/fleet.test/abc", "/_matrix/client/v1/media/thumbnail/fleet.test/abc", "/_matrix/client/v1/media/config",
  "/_matrix/media/v3/upload", "/_matrix/media/r0/download/fleet.test/abc", "/_matrix/mediax", "/_matrix/federation/v1/media/download/abc",
  "/_matrix/federation/v1/send/txn1", "/_matrix/federation/v1/send_join/!a:fleet.test/$e", "/_matrix/federation/v2/send_join/!a:fleet.test/$e",
  "/_matrix/federation/v1/send_leave/!a:fleet.test/$e", "/_matrix/federation/v1/version", "/_matrix/federation/v1/event/$e",
  "/_matrix/key/v2/server", "/_matrix/key/v2/query", "/_synapse/client/password_reset/email/submit_token", "/_synapse/client/oidc/callback",
  "/_synapse/admin/v1/users/@alice:fleet.test", "/_synapse/metrics", "/_matrix/static/", "/.well-known/matrix/client", "/health", "/",
];

const worker = (kind: WorkerKind, n = 1): Worker => ({ name: `${kind}${n}`, kind, host: `${kind.replace(/_/g, "-")}-${n}`, port: 8100 + workerKinds.indexOf(kind) * 10 + n });
const deployments: Record<string, Worker[]> = {
  "one of every kind": workerKinds.map((k) => worker(k)),
  "the lab (generic, media, a sender)": [worker("generic"), worker("media"), worker("federation_sender")],
  "generic ×2 with a synchrotron and the federation kinds": [worker("generic"), worker("generic", 2), worker("synchrotron"), worker("federation_inbound"), worker("federation_reader")],
  "client readers and event creators": [worker("client_reader"), worker("client_reader", 2), worker("event_creator"), worker("user_dir")],
  "main alone": [],
};

describe("nginx and Traefik route alike", () => {
  it("the corpus has 40+ paths and reaches every route of every kind", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    for (const routed of Object.values(routingTable)) {
      for (const route of routed!.routes) expect(corpus.some((p) => new RegExp(routeRegex(route)).test(p)), `${routed!.kind} ${route.path}`).toBe(true);
    }
  });

  for (const [name, workers] of Object.entries(deployments)) {
    it(`picks the same workers for every path: ${name}`, () => {
      const conf = renderNginx({ listenPort: 8080, main: MAIN, workers });
      const containers = [
        { address: `${MAIN.host}:${MAIN.port}`, labels: mainLabels },
        ...workers.map((w) => ({ address: `${w.host}:${w.port}`, labels: genericTraefikLabels(w.kind, w.port, { labels: mainLabels }) })),
      ];
      const toNames = (servers: string) => servers.split(" ").map((s) => (s === `${MAIN.host}:${MAIN.port}` ? "main" : workers.find((w) => `${w.host}:${w.port}` === s)?.name ?? s)).sort().join(" ");
      const disagreements = corpus
        .map((path) => ({ path, nginx: toNames(nginxPick(conf, path)), traefik: toNames(traefikPick(containers, "fleet.test", path)) }))
        .filter((r) => r.nginx !== r.traefik);
      expect(disagreements).toEqual([]);
    });
  }

  it("sends each path where the table says (spot checks on the full deployment)", () => {
    const workers = deployments["one of every kind"];
    const conf = renderNginx({ listenPort: 8080, main: MAIN, workers });
    const pick = (p: string) => nginxPick(conf, p).split(" ").map((s) => workers.find((w) => `${w.host}:${w.port}` === s)?.kind ?? "main").sort().join(" ");
    expect(pick("/_matrix/client/v3/sync")).toBe("synchrotron");
    expect(pick("/_matrix/client/v3/sync/x")).toBe("client_reader generic");
    expect(pick("/_matrix/client/v3/rooms/!a:fleet.test/send/m.room.message/t1")).toBe("event_creator");
    expect(pick("/_matrix/client/v3/rooms/!a:fleet.test/state")).toBe("client_reader generic");
    expect(pick("/_matrix/client/v1/media/config")).toBe("media");
    expect(pick("/_matrix/federation/v1/send/txn1")).toBe("federation_inbound");
    expect(pick("/_matrix/federation/v1/send_join/!a:fleet.test/$e")).toBe("federation_reader");
    expect(pick("/_matrix/federation/v1/media/download/abc")).toBe("media");
    expect(pick("/_synapse/admin/v1/users/@alice:fleet.test")).toBe("main");
    expect(pick("/")).toBe("main");
  });

  it("with no worker of a kind, its paths go to main in both", () => {
    const conf = renderNginx({ listenPort: 8080, main: MAIN, workers: [worker("media")] });
    expect(nginxPick(conf, "/_matrix/client/v3/sync")).toBe("synapse:8008");
    expect(traefikPick([{ address: "synapse:8008", labels: mainLabels }], "fleet.test", "/_matrix/client/v3/sync")).toBe("synapse:8008");
  });
});
