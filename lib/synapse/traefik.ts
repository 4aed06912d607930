import type { WorkerKind } from "./catalogue";
import type { ContainerSpec } from "./plan-schema";
import { insidePrefix, routingTable, type Route } from "./routes-table";

/**
 * Traefik labels for a worker container, rendered from the route table (routes-table.ts) like
 * nginx.ts: every worker of a pool joins one Traefik service, so Traefik balances across them, and
 * the pool's router priority is the table's, so the more specific kind wins as it does in nginx.
 *
 * Rules use Traefik v3's syntax: PathPrefix takes plain text, PathRegexp a Go regexp (v3 added
 * PathRegexp; v2 had none and wrote a regex inside Path/PathPrefix as `{name:regex}`), so a Traefik
 * v3 kept on `core.defaultRuleSyntax: v2`, or a Traefik v2, does not read the regex routes.
 */

type Labelled = Pick<ContainerSpec, "labels">;

/** True when main (or any worker) is routed by Traefik: only then do new workers get labels. */
export function usesTraefik(main: Labelled, peers: Labelled[]): boolean {
  return [main, ...peers].some((c) => c.labels["traefik.enable"] === "true");
}

/** `Host(`fleet.test`)` from main's router rule, if it has one. */
export function hostRuleOf(main: Labelled): string | null {
  for (const [k, v] of Object.entries(main.labels)) {
    if (!/^traefik\.http\.routers\.[^.]+\.rule$/.test(k)) continue;
    const m = /Host\(`[^`]*`(?:\s*,\s*`[^`]*`)*\)/.exec(v);
    if (m) return m[0];
  }
  return null;
}

function matcher(route: Route): string {
  return route.match === "prefix" ? `PathPrefix(\`${route.path}\`)` : `PathRegexp(\`${route.path}\`)`;
}

/** The labels of a pool's router and service for a worker on `port`, from the route table. */
export function genericTraefikLabels(kind: WorkerKind, port: number, main: Labelled): Record<string, string> {
  const routed = routingTable[kind];
  if (!routed) return {};
  const service = routed.pool;
  // A route inside one of the pool's own prefixes only balances differently in nginx: the
  // prefix already sends it here, so the rule (and existing deployments' labels) stay as they were.
  const routes = routed.routes.filter((r) => !routed.routes.some((outer) => insidePrefix(r, outer)));
  const paths = routes.map(matcher).join(" || ");
  const host = hostRuleOf(main);
  const labels: Record<string, string> = {
    "traefik.enable": "true",
    [`traefik.http.routers.${service}.rule`]: host ? `${host} && (${paths})` : paths,
    [`traefik.http.routers.${service}.priority`]: String(routed.priority),
    [`traefik.http.routers.${service}.service`]: service,
    [`traefik.http.services.${service}.loadbalancer.server.port`]: String(port),
  };
  // Traefik balances by a cookie it sets, not by a header: the nearest it has to "same user, same
  // worker" (clients that keep no cookies are balanced round robin). Source-IP stickiness has no label.
  if (routed.routes.some((r) => r.sticky === "user")) labels[`traefik.http.services.${service}.loadbalancer.sticky.cookie`] = "true";
  return labels;
}

/**
 * Labels for a new worker of `kind` on `port`: copies the traefik labels of an existing worker
 * of the same Traefik service (its port replaced), else the guide's generic pattern.
 */
export function traefikLabels(kind: WorkerKind, port: number, main: Labelled, peers: Labelled[]): Record<string, string> {
  const service = routingTable[kind]?.pool;
  if (!service || !usesTraefik(main, peers)) return {};
  const portKey = `traefik.http.services.${service}.loadbalancer.server.port`;
  const model = peers.find((p) => portKey in p.labels);
  if (!model) return genericTraefikLabels(kind, port, main);
  const copied = Object.fromEntries(Object.entries(model.labels).filter(([k]) => k.startsWith("traefik.")));
  copied[portKey] = String(port);
  return copied;
}
