import { workerCatalogue, workerKinds, type WorkerKind } from "./catalogue";
import { FleetError } from "../errors";

/**
 * The load balancer's route table, read from the catalogue: which paths go to which worker kind,
 * with what precedence and balancing. Both renderers (nginx.ts, traefik.ts) read it, so they route
 * alike. Pure and browser-safe.
 *
 * Precedence is a number per kind (Traefik's router priority; nginx gets its locations in the same
 * order): a path claimed by kinds of different priorities goes to the higher one, which is how a
 * synchrotron takes /sync from the generic workers' /_matrix/client. Kinds of equal priority must
 * not claim a common path (`findRouteConflicts`): nothing would say which one gets it.
 */

/**
 * How one pool balances a route's requests. `user`: the same user on the same worker (the Workers
 * Guide: a process caches a user's /sync state). `source_ip`: the same peer on the same worker (the
 * guide: a remote server's federation transactions in order on one process). None: round robin.
 */
export type Stickiness = "user" | "source_ip";

/**
 * One route. `prefix`: the path starts with `path` (plain text). `regex`: `path` is a regular
 * expression anchored with `^`, in a small dialect both nginx (PCRE) and Traefik (Go) read the same
 * way and whose overlaps can be decided exactly: literal text, `\.`, `[^/]+` (one path segment),
 * `.*`, groups of alternatives `(a|b)` optionally followed by `?`, and `$` at the end.
 * There is no method filter: nginx cannot fall through to the next route on a method the way a
 * Traefik router does, and no routed kind serves only some methods.
 */
export interface Route {
  match: "prefix" | "regex";
  path: string;
  sticky?: Stickiness;
  /** Why the route is there, when the guide's list does not say it. */
  note?: string;
}

/** Main's router priority (Traefik): below every worker route, so it only gets what no worker claims. */
export const MAIN_PRIORITY = 10;

/** Precedence tiers: broad prefixes, the media prefixes inside them, then single endpoints. */
const priorityOf: Partial<Record<WorkerKind, number>> = {
  generic: 20,
  client_reader: 20,
  federation_reader: 20,
  media: 30,
  synchrotron: 40,
  event_creator: 40,
  user_dir: 40,
  federation_inbound: 40,
};

export interface RoutedKind {
  kind: WorkerKind;
  /** Kinds with the same pool share one set of workers behind the balancer (a Traefik service). */
  pool: string;
  priority: number;
  routes: readonly Route[];
}

/** The pool of a kind: the catalogue's Traefik service, else one named after the kind. */
export function poolOf(kind: WorkerKind): string {
  return workerCatalogue[kind].traefikService ?? `synapse-${kind.replace(/_/g, "-")}`;
}

/** Every kind that the load balancer routes requests to, with its pool and precedence. */
export const routingTable: Readonly<Partial<Record<WorkerKind, RoutedKind>>> = Object.fromEntries(
  workerKinds
    .filter((k) => workerCatalogue[k].routes.length > 0)
    .map((k) => [k, { kind: k, pool: poolOf(k), priority: priorityOf[k] ?? MAIN_PRIORITY + 10, routes: workerCatalogue[k].routes }]),
);

export type RouteTable = Readonly<Partial<Record<WorkerKind, RoutedKind>>>;

/** The regex both renderers write for a route: anchored at the start, prefix text escaped. */
export function routeRegex(route: Route): string {
  return route.match === "prefix" ? `^${route.path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}` : route.path;
}

// --- The dialect as tokens: a route is a set of "globs", each a list of character steps. ---

type Step = { t: "char"; c: string } | { t: "seg1" } | { t: "seg*" } | { t: "any*" };
type Glob = Step[];
const END = "$end";
type Item = Step | typeof END;

const MAX_PATTERN = 300;
const MAX_EXPANSIONS = 256;
const LITERAL = /[A-Za-z0-9/_~%!:@,;=&'-]/;

function refuse(route: Route, why: string): never {
  throw new FleetError("invalid", `route ${route.path}: ${why}`, { reason: "route_pattern", path: route.path });
}

/** Parses a regex route into alternatives of items (groups expanded), refusing what the dialect lacks. */
function parseAlternatives(route: Route): Item[][] {
  const src = route.path;
  let i = 1;
  const parseSeq = (inGroup: boolean): Item[][] => {
    let alts: Item[][] = [[]];
    const append = (options: Item[][]) => {
      const next = alts.flatMap((a) => options.map((o) => [...a, ...o]));
      if (next.length > MAX_EXPANSIONS) refuse(route, `more than ${MAX_EXPANSIONS} alternatives`);
      alts = next;
    };
    while (i < src.length) {
      const ch = src[i];
      if (ch === ")" || ch === "|") {
        if (!inGroup) refuse(route, `unbalanced "${ch}" at ${i}`);
        return alts;
      }
      if (ch === "(") {
        i++;
        const options: Item[][] = [];
        for (;;) {
          options.push(...parseSeq(true));
          if (src[i] === "|") i++;
          else if (src[i] === ")") break;
          else refuse(route, "unclosed group");
        }
        i++;
        if (src[i] === "?") {
          options.push([]);
          i++;
        }
        append(options);
      } else if (src.startsWith("[^/]+", i)) {
        append([[{ t: "seg1" }, { t: "seg*" }]]);
        i += 5;
      } else if (src.startsWith(".*", i)) {
        append([[{ t: "any*" }]]);
        i += 2;
      } else if (ch === "\\" && src[i + 1] === ".") {
        append([[{ t: "char", c: "." }]]);
        i += 2;
      } else if (ch === "$") {
        append([[END]]);
        i++;
      } else if (LITERAL.test(ch)) {
        append([[{ t: "char", c: ch }]]);
        i++;
      } else refuse(route, `"${ch}" at ${i} is not in the route dialect`);
    }
    if (inGroup) refuse(route, "unclosed group");
    return alts;
  };
  return parseSeq(false);
}

/** The globs of a route: every path it matches is matched by one of them. */
export function routeGlobs(route: Route): Glob[] {
  if (route.path.length === 0 || route.path.length > MAX_PATTERN) refuse(route, `a path of 1 to ${MAX_PATTERN} characters`);
  if (route.match === "prefix") {
    if (!route.path.startsWith("/") || /[\s{};"'`\\]/.test(route.path)) refuse(route, "a prefix is plain path text starting with /");
    return [[...[...route.path].map((c): Step => ({ t: "char", c })), { t: "any*" }]];
  }
  if (!route.path.startsWith("^/")) refuse(route, "a regex route starts with ^/");
  return parseAlternatives(route).map((items) => {
    const end = items.indexOf(END);
    if (end !== -1 && end !== items.length - 1) refuse(route, "$ only at the end");
    // Without $ the rest of the path is free (the renderers do not anchor the end either).
    return end === -1 ? [...(items as Step[]), { t: "any*" }] : (items.slice(0, -1) as Step[]);
  });
}

/** The character both steps accept, if any: a witness for the overlap search. */
function common(a: Step, b: Step): string | null {
  const cls = (s: Step) => (s.t === "char" ? s.c : s.t === "any*" ? "any" : "seg");
  const x = cls(a);
  const y = cls(b);
  if (x.length === 1 && y.length === 1) return x === y ? x : null;
  if (x.length === 1) return y === "seg" && x === "/" ? null : x;
  if (y.length === 1) return x === "seg" && y === "/" ? null : y;
  return "x";
}

const isStar = (s: Step | undefined) => s !== undefined && (s.t === "seg*" || s.t === "any*");

/** The shortest path both globs match, or null: a search over pairs of positions. */
function globsMeet(a: Glob, b: Glob): string | null {
  const key = (i: number, j: number) => i * (b.length + 1) + j;
  const seen = new Map<number, string>([[key(0, 0), ""]]);
  const queue: [number, number][] = [[0, 0]];
  while (queue.length > 0) {
    const [i, j] = queue.shift()!;
    const path = seen.get(key(i, j))!;
    if (i === a.length && j === b.length) return path;
    const visit = (ni: number, nj: number, p: string) => {
      if (seen.has(key(ni, nj))) return;
      seen.set(key(ni, nj), p);
      // Skipping a star adds no character: search it before longer paths.
      if (p.length === path.length) queue.unshift([ni, nj]);
      else queue.push([ni, nj]);
    };
    if (isStar(a[i])) visit(i + 1, j, path);
    if (isStar(b[j])) visit(i, j + 1, path);
    if (i < a.length && j < b.length) {
      const c = common(a[i], b[j]);
      if (c !== null) visit(isStar(a[i]) ? i : i + 1, isStar(b[j]) ? j : j + 1, path + c);
    }
  }
  return null;
}

/** A path both routes match (the shortest), or null when no path can match both. Exact for the dialect. */
export function routesOverlap(a: Route, b: Route): string | null {
  let best: string | null = null;
  for (const ga of routeGlobs(a)) {
    for (const gb of routeGlobs(b)) {
      const w = globsMeet(ga, gb);
      if (w !== null && (best === null || w.length < best.length)) best = w;
    }
  }
  return best;
}

/** True when every path the route matches starts with the prefix route `outer`'s text. */
export function insidePrefix(route: Route, outer: Route): boolean {
  if (outer.match !== "prefix" || route === outer) return false;
  return routeGlobs(route).every((g) => {
    const lead = g.findIndex((s) => s.t !== "char");
    const text = g.slice(0, lead === -1 ? g.length : lead).map((s) => (s as { c: string }).c).join("");
    return text.startsWith(outer.path);
  });
}

/** A route as an operator reads it in a message: a prefix ends in …, a regex is itself. */
export function describeRoute(route: Route): string {
  return route.match === "prefix" ? `${route.path}…` : route.path;
}

export interface RouteConflict {
  kinds: [WorkerKind, WorkerKind];
  routes: [string, string];
  priority: number;
  /** A request path both would take. */
  example: string;
}

/**
 * Claims no precedence settles: two kinds of different pools but the same priority whose routes
 * match a common path (found exactly, with an example). Kinds of one pool share their workers, so
 * their claims never compete; different priorities are the table's deliberate overrides.
 */
export function findRouteConflicts(kinds: Iterable<WorkerKind>, table: RouteTable = routingTable): RouteConflict[] {
  const routed = [...new Set(kinds)].flatMap((k) => (table[k] ? [table[k]!] : []));
  routed.sort((x, y) => workerKinds.indexOf(x.kind) - workerKinds.indexOf(y.kind));
  const out: RouteConflict[] = [];
  for (const [n, a] of routed.entries()) {
    for (const b of routed.slice(n + 1)) {
      if (a.pool === b.pool || a.priority !== b.priority) continue;
      for (const ra of a.routes) {
        for (const rb of b.routes) {
          const example = routesOverlap(ra, rb);
          if (example !== null) out.push({ kinds: [a.kind, b.kind], routes: [ra.path, rb.path], priority: a.priority, example });
        }
      }
    }
  }
  return out;
}

/** Refuses a deployment whose routed kinds claim a path no precedence settles (call it at plan time). */
export function assertNoRouteConflicts(kinds: Iterable<WorkerKind>, table: RouteTable = routingTable): void {
  const conflicts = findRouteConflicts(kinds, table);
  if (conflicts.length === 0) return;
  const c = conflicts[0];
  throw new FleetError(
    "invalid",
    `${c.kinds[0]} (${c.routes[0]}) and ${c.kinds[1]} (${c.routes[1]}) both claim ${c.example} at priority ${c.priority}: nothing decides which one serves it`,
    { reason: "route_conflict", conflicts },
  );
}

export interface OrderedRoute {
  kind: WorkerKind;
  pool: string;
  priority: number;
  route: Route;
}

/**
 * The routes of these kinds in the order a first-match router must try them: higher priority
 * first; within a priority regexes (which sit inside a pool's own prefixes, to balance them
 * differently) before prefixes, longer prefixes first; then the catalogue's order.
 */
export function orderedRoutes(kinds: Iterable<WorkerKind>, table: RouteTable = routingTable): OrderedRoute[] {
  const set = new Set(kinds);
  const rows = workerKinds.flatMap((k) => (set.has(k) && table[k] ? table[k]!.routes.map((route) => ({ kind: k, pool: table[k]!.pool, priority: table[k]!.priority, route })) : []));
  const rank = (r: OrderedRoute) => (r.route.match === "regex" ? MAX_PATTERN + 1 : r.route.path.length);
  return rows
    .map((r, n) => ({ r, n }))
    .sort((x, y) => y.r.priority - x.r.priority || rank(y.r) - rank(x.r) || x.n - y.n)
    .map(({ r }) => r);
}
