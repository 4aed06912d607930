import { kindOf, networkAlias } from "@/lib/synapse/deployment";
import { upstreamName } from "@/lib/synapse/nginx";
import { describeRoute, routesOverlap, routingTable, type RoutedKind } from "@/lib/synapse/routes-table";
import { genericTraefikLabels } from "@/lib/synapse/traefik";
import type { WorkerType } from "@/lib/synapse/types";
import { parseNginx, routesFromNginx } from "@/lib/topology/routes";
import { mainProcess, running, type Check, type CheckOutcome, type DiagnosticsContext, type LoadBalancerFacts, type ProcessFacts } from "./model";
import { ask, humanWindow, seconds, serverNameMatcher } from "./prometheus";

/**
 * Requests reach workers only when the load balancer sends them there. With an nginx entrypoint its
 * config file says where each request goes: every running worker of a routed kind must get its
 * kind's routes, and every upstream a location proxies to must name live processes. Without one,
 * the Traefik labels of the containers: client-serving workers behind the router for
 * /_matrix/client, media workers behind the one for /_matrix/media. Either way main should not still
 * be serving most client requests while a generic worker is up (Prometheus, over 15 min).
 */

type Status = "pass" | "warn" | "fail";
/** What the check found so far; `process` is the first one a warning or failure is about. */
type Report = { status: Status; evidence: string[]; fixes: string[]; process?: string };
const RANK: Record<Status, number> = { pass: 0, warn: 1, fail: 2 };

/** Records a finding; each sentence of its fix is said once however many findings share it. */
function flag(r: Report, status: Status, line: string, fix: string | string[], process?: string): void {
  if (RANK[status] > RANK[r.status]) r.status = status;
  r.evidence.push(line);
  for (const f of typeof fix === "string" ? [fix] : fix) if (!r.fixes.includes(f)) r.fixes.push(f);
  if (process && !r.process) r.process = process;
}

const CLIENT_TYPES: ReadonlySet<string> = new Set(["generic", "client_reader"]);
const CLIENT_RULE = /\/_matrix\/client(?!\/v1\/media)/;
const MEDIA_RULE = /\/_matrix\/media/;
/** Below this many client requests in the window, main's share says nothing. */
export const MIN_CLIENT_REQUESTS = 20;
/** Client API servlets end in RestServlet; replication's do too but start with Replication. */
const CLIENT_SERVLETS = 'servlet=~".+RestServlet",servlet!~"Replication.+"';

function httpPort(p: ProcessFacts, resource: string): number | null {
  return p.listeners.find((l) => l.type === "http" && l.resources.includes(resource))?.port ?? null;
}

const httpPorts = (p: ProcessFacts) => p.listeners.filter((l) => l.type === "http").map((l) => l.port);
const routedKindOf = (p: ProcessFacts): RoutedKind | null => {
  const kind = p.type === "main" ? null : kindOf(p.name, p.type as WorkerType, p.streams);
  return (kind && routingTable[kind]) || null;
};

// --- The Traefik labels (deployments without an nginx entrypoint). ---

function labelSnippet(ctx: DiagnosticsContext, p: ProcessFacts, resource: "client" | "media"): string {
  const kind = kindOf(p.name, p.type as WorkerType, p.streams) ?? (resource === "media" ? "media" : "generic");
  const port = httpPort(p, resource) ?? httpPort(p, "client") ?? 8008;
  const labels = genericTraefikLabels(kind, port, { labels: mainProcess(ctx)?.unit?.labels ?? {} });
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join("  ");
}

function checkLabels(ctx: DiagnosticsContext, r: Report): void {
  const client = ctx.processes.filter((p) => p.unit && CLIENT_TYPES.has(p.type));
  const media = ctx.processes.filter((p) => p.unit && p.type === "media");
  if (client.length + media.length === 0) {
    r.evidence.push("no worker serves client or media requests: every request goes to main, nothing to route");
    return;
  }
  if (ctx.routes.length === 0) {
    flag(r, "warn", "no Synapse container carries Traefik router labels and no container is labelled as the nginx entrypoint: routing by another load balancer cannot be seen from here",
      "If Traefik routes this deployment, label the workers' containers (the dashboard adds the labels to workers it creates); otherwise check your load balancer sends /_matrix/client to the client workers and /_matrix/media to the media workers.");
    return;
  }
  const behind = (p: ProcessFacts, rule: RegExp) => ctx.routes.filter((x) => rule.test(x.rule) && x.targets.includes(p.name)).map((x) => x.router);
  for (const [list, rule, what] of [[client, CLIENT_RULE, "client"], [media, MEDIA_RULE, "media"]] as const) {
    for (const p of list) {
      const routers = behind(p, rule);
      if (routers.length > 0) {
        r.evidence.push(`${p.name} is behind the ${what} router ${routers.join(", ")}`);
        continue;
      }
      const unlabelled = Object.keys(p.unit!.labels).some((k) => k.startsWith("traefik.")) ? "" : " (its container has no Traefik labels)";
      flag(r, "warn", `${p.name} serves ${what} requests but no Traefik router for /_matrix/${what} sends it any${unlabelled}`, `Label ${p.unit!.name} for Traefik and re-create it: ${labelSnippet(ctx, p, what)}`, p.name);
    }
  }
}

// --- The nginx entrypoint: where its file really sends each kind's requests. ---

/** One `server` line of an upstream: the process its address reaches (null: none of ours), and whether that process listens on its port. */
type Member = { address: string; process: ProcessFacts | null; portOk: boolean };
/** A `location`: its modifier (`=`, `^~`, `~`, `~*` or none), pattern, and the upstream (or address) it proxies to. */
type Location = { modifier: string; pattern: string; regex: RegExp | null; upstream: string };

function splitAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+))(?::(\d{1,5}))?$/.exec(address);
  return m ? { host: (m[1] ?? m[2]).toLowerCase(), port: m[3] ? Number(m[3]) : 80 } : { host: address.toLowerCase(), port: NaN };
}

/** The names a process is reached by: what plans write (network alias, compose service, instance_map host), its container name and addresses. */
function hostNames(ctx: DiagnosticsContext, p: ProcessFacts, aliases: string[] = []): Set<string> {
  const u = p.unit;
  const names = [p.name, networkAlias(p.name), ctx.hs?.instanceMap[p.name]?.host, u?.name.replace(/^\//, ""), u?.labels["com.docker.compose.service"], p.address, ...(u?.networks.map((n) => n.ip) ?? []), ...aliases];
  return new Set(names.filter((h): h is string => !!h).map((h) => h.toLowerCase()));
}

/** Reads the file the way the topology's routes panel does (routesFromNginx), plus each upstream's member addresses. */
async function readEntrypoint(ctx: DiagnosticsContext, text: string, r: Report): Promise<{ locations: Location[]; members: Map<string, Member[]> }> {
  const locations = routesFromNginx(text).map((route) => {
    const words = route.rule.replace(/^location /, "").split(" ");
    const modifier = words.length > 1 && ["=", "^~", "~", "~*"].includes(words[0]) ? words.shift()! : "";
    const pattern = words.join(" ");
    let regex: RegExp | null = null;
    if (modifier.startsWith("~")) {
      try {
        regex = new RegExp(pattern, modifier === "~*" ? "i" : "");
      } catch {
        r.evidence.push(`location ${modifier} ${pattern} is not a regular expression this check can evaluate: it is left out`);
      }
    }
    return { modifier, pattern, regex, upstream: route.service };
  });
  const top = parseNginx(text);
  const http = top.find((d) => d.words[0] === "http" && d.block)?.block ?? top;
  const addresses = new Map<string, string[]>();
  for (const d of http) {
    if (d.words[0] !== "upstream" || d.words.length !== 2 || !d.block) continue;
    // A member marked down takes no requests: it is not where traffic goes.
    addresses.set(d.words[1], d.block.filter((s) => s.words[0] === "server" && s.words[1] && !s.words.includes("down")).map((s) => s.words[1]));
  }
  // A location may proxy to an address directly instead of an upstream.
  for (const l of locations) if (!addresses.has(l.upstream)) addresses.set(l.upstream, [l.upstream]);

  const hosts = new Map(ctx.processes.map((p) => [p, hostNames(ctx, p)]));
  const known = (host: string) => [...hosts.values()].some((h) => h.has(host));
  const all = [...addresses.values()].flat().map(splitAddress);
  // Network aliases need an inspect per container: asked only when the names at hand leave a member unknown.
  if (all.some((a) => !known(a.host))) {
    await Promise.all(ctx.processes.filter((p) => p.unit).map(async (p) => {
      try {
        hosts.set(p, hostNames(ctx, p, (await ctx.engine.specOf(p.unit!.id)).networks.flatMap((n) => n.aliases)));
      } catch (err) {
        r.evidence.push(`cannot read the network aliases of ${p.name}: ${(err as Error).message}`);
      }
    }));
  }
  const members = new Map<string, Member[]>();
  for (const [name, list] of addresses) {
    members.set(name, list.map((address) => {
      const { host, port } = splitAddress(address);
      const matches = ctx.processes.filter((p) => hosts.get(p)!.has(host));
      const process = matches.find((p) => httpPorts(p).includes(port)) ?? matches[0] ?? null;
      return { address, process, portOk: process !== null && httpPorts(process).includes(port) };
    }));
  }
  return { locations, members };
}

/** The location nginx picks for a path: `=` exact, else the longest prefix if `^~`, else the first regex in file order, else the longest prefix. */
function locate(locations: Location[], path: string): Location | null {
  const exact = locations.find((l) => l.modifier === "=" && l.pattern === path);
  if (exact) return exact;
  const prefix = locations.filter((l) => (l.modifier === "" || l.modifier === "^~") && path.startsWith(l.pattern)).sort((a, b) => b.pattern.length - a.pattern.length)[0];
  if (prefix?.modifier === "^~") return prefix;
  return locations.find((l) => l.regex?.test(path)) ?? prefix ?? null;
}

const reRender = (lb: LoadBalancerFacts) => `Re-render ${lb.configFile}: any worker plan (add, remove, scale) rewrites it from the route table, checks it with nginx -t and reloads ${lb.name}.`;

type Entrypoint = Awaited<ReturnType<typeof readEntrypoint>>;

/** The nginx half of the check; adds its findings to the report. */
async function checkNginx(ctx: DiagnosticsContext, r: Report): Promise<void> {
  const lb = ctx.loadBalancer;
  if (!lb) {
    flag(r, "warn", ctx.loadBalancerError ?? "the nginx entrypoint cannot be read", "Make the load balancer's labels name a file inside the config directory, and set SYNAPSE_CONFIG_DIR.");
    return;
  }
  const file = lb.configFile;
  if (lb.state !== "running") flag(r, "warn", `the nginx entrypoint ${lb.name} is ${lb.state}: no request reaches Synapse through it`, `Start ${lb.name}.`);
  if (lb.check && !lb.check.ok)
    flag(r, "fail", `${file} fails nginx -t in ${lb.name}: ${lb.check.message}`, `Fix or remove the hand edit in ${file}: nginx keeps its last good config until then, a restart of ${lb.name} fails, and every plan is refused.`);
  if (lb.checkError) flag(r, "warn", `nginx -t could not be run in ${lb.name}: ${lb.checkError}`, `Check that ${lb.name} answers docker exec.`);
  if (lb.text === null) {
    flag(r, "fail", `${file} does not exist: ${lb.name} routes nothing to Synapse's workers`, reRender(lb));
    return;
  }
  let read: Entrypoint;
  try {
    read = await readEntrypoint(ctx, lb.text, r);
  } catch (err) {
    flag(r, "fail", `cannot read the routes of ${file}: ${(err as Error).message}`, reRender(lb));
    return;
  }
  reportDeadMembers(lb, read, r);
  reportCoverage(ctx, lb, read, r);
}

/**
 * Members of used upstreams that take no requests: stopped, gone, or on a port nobody listens on.
 * nginx resolved their names when it loaded the file; its next reload refuses a name that no longer resolves.
 */
function reportDeadMembers(lb: LoadBalancerFacts, { locations, members }: Entrypoint, r: Report): void {
  const dead = new Map<string, { m: Member; in: string[]; orphaned: boolean }>();
  for (const upstream of new Set(locations.map((l) => l.upstream))) {
    const list = members.get(upstream)!;
    const alive = list.filter((m) => m.process?.state === "running" && m.portOk);
    for (const m of list.filter((x) => !alive.includes(x))) {
      const d = dead.get(m.address) ?? { m, in: [], orphaned: false };
      d.in.push(upstream);
      d.orphaned ||= alive.length === 0;
      dead.set(m.address, d);
    }
  }
  for (const [address, { m, in: ups, orphaned }] of dead) {
    const what = !m.process ? "no process of this deployment" : m.process.state !== "running" ? `${m.process.name}, which is ${m.process.state}` : `${m.process.name}, which has no http listener on that port (it has ${httpPorts(m.process).join(", ") || "none"})`;
    const effect = orphaned ? "every request sent there fails with 502" : "nginx tries it and fails over to the others";
    flag(r, orphaned ? "fail" : "warn", `${ups.join(", ")} ${ups.length > 1 ? "send" : "sends"} to ${address}: ${what}; ${effect}`, [reRender(lb), `Or remove "server ${address};" from ${ups.join(" and ")} and reload nginx.`], m.process?.name);
  }
}

/**
 * Where each running routed worker's routes really go: a path each route matches is put through
 * nginx's location choice. A route that lands on its own pool reaches the workers there; one taken
 * by a higher-priority kind's location is the table's precedence (a synchrotron's /sync); any other
 * destination (main, another kind, nothing) means the route is missing from the file.
 */
function reportCoverage(ctx: DiagnosticsContext, lb: LoadBalancerFacts, { locations, members }: Entrypoint, r: Report): void {
  const at = (path: string) => {
    const loc = locate(locations, path);
    return { loc, members: loc ? members.get(loc.upstream)! : [] };
  };
  const where = (d: ReturnType<typeof at>) => {
    if (!d.loc) return "no location (nginx answers 404)";
    const who = d.members.map((m) => m.process?.name ?? m.address);
    return `${d.loc.upstream}${who.length > 0 ? ` (${who.join(", ")})` : ""}`;
  };
  const proxied = new Set(locations.map((l) => l.upstream));
  const workers = running(ctx).flatMap((p) => {
    const rk = routedKindOf(p);
    return rk ? [{ p, rk }] : [];
  });
  if (workers.length === 0) r.evidence.push(`no worker of a routed kind is running: ${lb.name} sends everything to main`);
  for (const rk of new Set(workers.map((w) => w.rk))) {
    const mine = workers.filter((w) => w.rk === rk).map((w) => w.p);
    const reached = new Map(mine.map((p) => [p, new Set<string>()]));
    const missing: string[] = [];
    let example = "";
    for (const route of rk.routes) {
      const path = routesOverlap(route, route);
      if (path === null) continue;
      const d = at(path);
      // A member on a port its process does not listen on reaches nobody.
      const served = d.members.flatMap((m) => (m.process && m.portOk ? [m.process] : []));
      if (served.some((q) => routedKindOf(q)?.pool === rk.pool)) {
        for (const p of mine) if (served.includes(p)) reached.get(p)!.add(d.loc!.upstream);
      } else if (!served.some((q) => (routedKindOf(q)?.priority ?? 0) > rk.priority)) {
        missing.push(describeRoute(route));
        example ||= `${path} goes to ${where(d)}`;
      }
    }
    if (missing.length > 0)
      flag(r, "fail", `${lb.configFile} lacks ${missing.length} of ${rk.kind}'s ${rk.routes.length} routes (${missing.join(", ")}): ${example}`, reRender(lb), mine[0].name);
    const upstreams = [...new Set(rk.routes.map((route) => upstreamName(rk.pool, route.sticky)))];
    for (const p of mine) {
      const via = [...reached.get(p)!];
      const holds = (u: string) => members.get(u)!.some((m) => m.process === p && m.portOk);
      // Upstreams of its pool that a location uses and that hold its peers but not it.
      const left = upstreams.filter((u) => proxied.has(u) && !holds(u) && members.get(u)!.some((m) => m.process && routedKindOf(m.process)?.pool === rk.pool));
      if (via.length > 0 && missing.length === 0 && left.length === 0) {
        r.evidence.push(`${p.name} (${rk.kind}) gets ${rk.kind}'s routes through ${via.join(", ")}`);
        continue;
      }
      const port = httpPort(p, "client") ?? httpPort(p, "media") ?? httpPorts(p)[0];
      if (port === undefined) {
        flag(r, "warn", `${p.name} (${rk.kind}) has no http listener: no load balancer can send it requests`, `Give ${p.name} an http listener (its worker file's worker_listeners), then apply any worker plan.`, p.name);
        continue;
      }
      const line = `server ${p.unit?.labels["com.docker.compose.service"] ?? networkAlias(p.name)}:${port}; # ${p.name}`;
      // Adding a line helps only where the kind's upstreams and locations are in the file.
      const there = upstreams.filter((u) => proxied.has(u));
      const fix = missing.length > 0 || there.length === 0 ? reRender(lb) : [reRender(lb), `Or add "${line}" to upstream ${there.join(" and ")} and reload nginx.`];
      const inFile = [...proxied].filter(holds);
      if (via.length === 0)
        flag(r, "fail", inFile.length === 0 ? `${p.name} (${rk.kind}) is in no upstream that a location proxies to: ${lb.name} sends it no requests` : `${p.name} (${rk.kind}) is only in ${inFile.join(", ")}, where none of ${rk.kind}'s routes lead`, fix, p.name);
      else if (left.length > 0)
        flag(r, "warn", `${p.name} (${rk.kind}) gets some of ${rk.kind}'s routes (through ${via.join(", ")}) but is missing from ${left.join(", ")}, which its peers are in`, fix, p.name);
      else r.evidence.push(`${p.name} (${rk.kind}) gets ${rk.kind}'s routes that the file has, through ${via.join(", ")}`);
    }
  }
}

// --- Who serves client requests (Prometheus). ---

async function checkShare(ctx: DiagnosticsContext, r: Report): Promise<void> {
  const workersUp = running(ctx).filter((p) => CLIENT_TYPES.has(p.type));
  if (workersUp.length === 0) {
    r.evidence.push("no client-serving worker is running: main is meant to serve client requests");
    return;
  }
  const window = seconds(ctx.options.routingWindowSeconds);
  const human = humanWindow(ctx.options.routingWindowSeconds);
  const sel = [CLIENT_SERVLETS, serverNameMatcher(ctx.serverName)].filter(Boolean).join(",");
  const a = await ask(() => ctx.prometheus.instantQuery(`sum by (worker) (increase(synapse_http_server_requests_received_total{${sel}}[${window}]))`, { signal: ctx.signal }));
  if (!a.ok) {
    flag(r, "warn", `cannot run the traffic part: ${a.why}`, "Prometheus must answer for the traffic part to run.");
    return;
  }
  const total = a.value.reduce((s, x) => s + x.value, 0);
  const main = a.value.filter((x) => x.labels.worker === "main").reduce((s, x) => s + x.value, 0);
  if (total < MIN_CLIENT_REQUESTS) {
    r.evidence.push(`${Math.round(total)} client requests in the last ${human}: too few to tell who serves them`);
    return;
  }
  const share = main / total;
  const line = `main served ${Math.round(share * 100)} % of ${Math.round(total)} client requests in the last ${human}, with ${workersUp.map((p) => p.name).join(", ")} up`;
  if (share <= 0.5) {
    r.evidence.push(line);
    return;
  }
  const entry = ctx.loadBalancer ? `the nginx entrypoint ${ctx.loadBalancer.name}` : "the load balancer";
  const rule = ctx.loadBalancer ? `check that ${ctx.loadBalancer.configFile} sends /_matrix/client to the client workers` : "check the client router's rule and priority";
  flag(r, "warn", line, `Main still serves most client requests although a client worker is up: make clients go through ${entry} (not main's port), and ${rule}.`);
}

export const routingCheck: Check = {
  id: "routing",
  title: "Request routing",
  async run(ctx): Promise<CheckOutcome> {
    const r: Report = { status: "pass", evidence: [], fixes: [] };
    // An nginx entrypoint is what routes when there is one (the topology's routes panel reads it too).
    if (ctx.loadBalancer || ctx.loadBalancerError) await checkNginx(ctx, r);
    else checkLabels(ctx, r);
    await checkShare(ctx, r);
    return { status: r.status, evidence: r.evidence, fix: r.status === "pass" ? null : r.fixes.join(" "), ...(r.process ? { process: r.process } : {}) };
  },
};
