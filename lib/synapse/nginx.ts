import { z } from "zod";
import { workerKinds } from "./catalogue";
import { FleetError } from "../errors";
import { assertNoRouteConflicts, orderedRoutes, routeRegex, routingTable, type Stickiness } from "./routes-table";

/**
 * The nginx entrypoint's config, rendered from the route table (routes-table.ts) like the Traefik
 * labels: one upstream per routed pool (and balancing), a location per route, everything else to
 * main. Pure and deterministic: the same deployment gives the same bytes, so a plan can diff it.
 *
 * The output is an http-context file (a conf.d include: maps, upstreams, one server).
 *
 * How the order keeps the table's meaning: every worker route is a regex location (a prefix route
 * becomes `^` + its escaped text), and main is `location /`, the only prefix location. nginx tries
 * regex locations in file order and takes the first that matches; a prefix location is used only
 * when no regex matches (there is no `=` or `^~` location to stop the regexes). So the file order
 * is the precedence: higher priority first, which is Traefik's router order, and within one
 * priority the routes of different kinds never meet (assertNoRouteConflicts refuses the config
 * otherwise), while a pool's own regexes come before its prefixes so they can balance a part of
 * them differently (generic's /sync by user).
 *
 * Upstream members are names nginx re-resolves as it runs (`server host:port resolve`, nginx >=
 * 1.27.3, in an upstream with a shared-memory `zone` and a `resolver`): a worker that the engine or
 * its restart policy brings back with a new address gets traffic again within RESOLVE_VALID_S,
 * without a reload, and a name that does not resolve (yet) passes `nginx -t` and is skipped until it
 * does. The default resolver is Docker's embedded DNS, which answers inside a container on a
 * user-defined network.
 */

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const HOST = /^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,252}|[0-9A-Fa-f:.]{2,45})$/;
const port = z.number().int().min(1).max(65535);
const host = z.string().regex(HOST, "a host name or an IP address");
const IP = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$/;

/** Docker's embedded DNS, as seen from a container on a user-defined network. */
export const DOCKER_DNS = "127.0.0.11";
/**
 * How long nginx trusts an answer (Docker's own TTL is 600 s). It bounds how long a worker that came
 * back with a new address stays unreached; the price is one query per name per period.
 */
export const RESOLVE_VALID_S = 2;

export const nginxDeploymentSchema = z.object({
  /** The entrypoint's port (8080 in the lab). */
  listenPort: port,
  /** server_name; `_` (any) when absent. */
  serverName: z.string().regex(/^(?:_|[A-Za-z0-9*][A-Za-z0-9.*-]{0,252})$/).optional(),
  main: z.object({ host, port }),
  /** Every worker; those of kinds the table does not route are left out of the config. */
  workers: z.array(z.object({ name: z.string().regex(NAME), kind: z.enum(workerKinds), host, port })).max(1000),
  /** homeserver.yaml's max_upload_size, in Synapse's form: bytes, or digits with K, M, G or T. */
  maxUploadSize: z.union([z.number().int().min(1).max(2 ** 50), z.string().regex(/^\d{1,15}[KMGT]?$/)]).nullish(),
  /** The DNS server nginx re-resolves upstream names with: an IP address, Docker's DNS when absent. */
  resolver: z.string().regex(IP, "an IP address").optional(),
});
export type NginxDeployment = z.input<typeof nginxDeploymentSchema>;

/** Synapse's default max_upload_size: what it enforces when homeserver.yaml names none. */
const SYNAPSE_DEFAULT_UPLOAD = "50M";
/** Synapse's size suffixes (parse_size): powers of 1024, upper case only. */
const SYNAPSE_UNITS: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };
const NGINX_UNITS: [string, number][] = [["g", 1024 ** 3], ["m", 1024 ** 2], ["k", 1024]];

/** max_upload_size as nginx's client_max_body_size: the same number of bytes, in its largest exact unit. */
export function bodySizeOf(maxUploadSize: string | number | null | undefined): string {
  const v = maxUploadSize ?? SYNAPSE_DEFAULT_UPLOAD;
  const m = typeof v === "number" ? null : /^(\d{1,15})([KMGT]?)$/.exec(v);
  const bytes = typeof v === "number" ? v : m ? Number(m[1]) * (m[2] ? SYNAPSE_UNITS[m[2]] : 1) : NaN;
  // 0 would mean "no limit" to nginx, the opposite of what Synapse makes of it.
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new FleetError("invalid", `max_upload_size ${v} is not a size nginx can enforce`, { reason: "max_upload_size" });
  for (const [unit, size] of NGINX_UNITS) if (bytes % size === 0) return `${bytes / size}${unit}`;
  return String(bytes);
}

const suffix: Record<Stickiness, string> = { user: "_by_user", source_ip: "_by_ip" };
const hashKey: Record<Stickiness, string> = { user: "$fleet_user_key", source_ip: "$remote_addr" };

/** The upstream a route's requests go to: its pool, split by how they are balanced. */
export function upstreamName(pool: string, sticky: Stickiness | undefined): string {
  return pool.replace(/-/g, "_") + (sticky ? suffix[sticky] : "");
}

const address = (h: string, p: number) => `${h.includes(":") ? `[${h}]` : h}:${p}`;

// Who a request is from, for upstreams that keep a user on one worker: the access token of the
// Authorization header, else of the access_token parameter. Synapse's tokens read
// syt_<localpart in base64>_<random>_<crc>, so keying on the localpart keeps every device of a user
// together; any other token keys itself; a request with none is keyed by its client address.
const USER_KEY_MAPS = `map $http_authorization $fleet_access_token {
    default $arg_access_token;
    "~^Bearer +(?<fleet_bearer>[^ ]+)" $fleet_bearer;
}

map $fleet_access_token $fleet_user_key {
    default $fleet_access_token;
    "" $remote_addr;
    "~^syt_(?<fleet_localpart>[^_]+)_" $fleet_localpart;
}
`;

const isIp = (h: string) => IP.test(h);

/**
 * One upstream block. Its zone grows with its members (measured: about 1 KB each with a 40-character
 * name; 4 KB leaves room for 253-character ones); a zone whose size changes across a reload keeps
 * the addresses nginx resolved, as long as the upstream keeps its name.
 */
function upstream(name: string, servers: { name: string; host: string; port: number }[], resolver: string, sticky?: Stickiness): string {
  const lines = [`upstream ${name} {`, `    zone ${name} ${64 + 4 * servers.length}k;`, `    resolver ${resolver} valid=${RESOLVE_VALID_S}s;`];
  // nginx wants the balancing method before keepalive.
  if (sticky) lines.push(`    hash ${hashKey[sticky]} consistent;`);
  // An address needs no resolving; a name is looked up again every RESOLVE_VALID_S.
  for (const s of servers) lines.push(`    server ${address(s.host, s.port)}${isIp(s.host) ? "" : " resolve"}; # ${s.name}`);
  // Kept-alive connections to Synapse spare a TCP handshake per request (the latency budget is 1 ms).
  lines.push("    keepalive 16;", "}", "");
  return lines.join("\n");
}

/** The nginx config of a deployment's entrypoint. Refuses bad input and route conflicts, as FleetError("invalid"). */
export function renderNginx(input: NginxDeployment): string {
  const parsed = nginxDeploymentSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FleetError("invalid", `nginx entrypoint: ${issue.path.join(".")}: ${issue.message}`, { reason: "nginx_input", path: issue.path.join(".") });
  }
  const d = parsed.data;
  const names = new Set<string>();
  for (const w of d.workers) {
    if (names.has(w.name)) throw new FleetError("invalid", `nginx entrypoint: worker ${w.name} is listed twice`, { reason: "nginx_input", worker: w.name });
    names.add(w.name);
  }

  const routedWorkers = d.workers.filter((w) => routingTable[w.kind]).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const kinds = new Set(routedWorkers.map((w) => w.kind));
  assertNoRouteConflicts(kinds);
  const routes = orderedRoutes(kinds);

  const upstreams = new Map<string, { pool: string; sticky?: Stickiness }>();
  for (const r of routes) upstreams.set(upstreamName(r.pool, r.route.sticky), { pool: r.pool, sticky: r.route.sticky });
  const upstreamNames = [...upstreams.keys()].sort();
  const byUser = [...upstreams.values()].some((u) => u.sticky === "user");

  const out: string[] = [
    "# Synapse Fleet: the load balancer's routes, rendered from the catalogue's route table",
    "# (lib/synapse/routes-table.ts). The next plan that changes the workers replaces this file.",
    "",
  ];
  if (byUser) out.push(USER_KEY_MAPS);
  const r = d.resolver ?? DOCKER_DNS;
  const resolver = r.includes(":") ? `[${r}]` : r;
  out.push(upstream("synapse_main", [{ name: "main", ...d.main }], resolver));
  for (const name of upstreamNames) {
    const { pool, sticky } = upstreams.get(name)!;
    out.push(upstream(name, routedWorkers.filter((w) => routingTable[w.kind]!.pool === pool), resolver, sticky));
  }

  out.push(
    "server {",
    `    listen ${d.listenPort};`,
    `    server_name ${d.serverName ?? "_"};`,
    "",
    "    # Synapse refuses uploads over max_upload_size itself; nginx's default (1m) would refuse them first.",
    `    client_max_body_size ${bodySizeOf(d.maxUploadSize)};`,
    "    # Inherited by every location below (none sets its own proxy headers).",
    "    proxy_http_version 1.1;",
    '    proxy_set_header Connection "";',
    "    proxy_set_header Host $host:$server_port;",
    "    # The peer's own address, not $proxy_add_x_forwarded_for: Synapse takes the first entry, which a client could write.",
    "    proxy_set_header X-Forwarded-For $remote_addr;",
    "    proxy_set_header X-Forwarded-Proto $scheme;",
    "",
  );
  // Kinds of one pool (generic and client_reader) list the same routes: one location serves both.
  const kindsAt = new Map<string, string[]>();
  for (const r of routes) {
    const key = `${r.pool} ${routeRegex(r.route)}`;
    const seen = kindsAt.get(key);
    if (seen) seen.push(r.kind);
    else kindsAt.set(key, [r.kind]);
  }
  for (const r of routes) {
    const kindsHere = kindsAt.get(`${r.pool} ${routeRegex(r.route)}`)!;
    if (kindsHere[0] !== r.kind) continue;
    const how = r.route.sticky ? `, ${r.route.sticky === "user" ? "by user" : "by source IP"}` : "";
    out.push(`    # ${kindsHere.join(", ")} (priority ${r.priority}${how})`);
    // No URI after the upstream: nginx would rewrite the path, and Synapse checks signatures over it.
    out.push(`    location ~ ${routeRegex(r.route)} {`, `        proxy_pass http://${upstreamName(r.pool, r.route.sticky)};`, "    }");
  }
  out.push("", "    # Everything no worker route claims.", "    location / {", "        proxy_pass http://synapse_main;", "    }", "}", "");
  return out.join("\n");
}
