import { workerCatalogue, type WorkerKind } from "./catalogue";
import type { ContainerSpec } from "./plan-schema";

/**
 * Traefik labels for a worker container (the Workers Guide's routing): every worker of a kind
 * joins one Traefik service, so Traefik balances across them.
 */

type Labelled = Pick<ContainerSpec, "labels">;

const priorities: Partial<Record<string, string>> = { "synapse-generic": "20", "synapse-media": "30" };

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

/** The guide's labels for a service, from the catalogue's routes. */
export function genericTraefikLabels(kind: WorkerKind, port: number, main: Labelled): Record<string, string> {
  const spec = workerCatalogue[kind];
  const service = spec.traefikService;
  if (!service) return {};
  const paths = spec.routes.map((r) => `PathPrefix(\`${r}\`)`).join(" || ");
  const host = hostRuleOf(main);
  const labels: Record<string, string> = {
    "traefik.enable": "true",
    [`traefik.http.routers.${service}.rule`]: host ? `${host} && (${paths})` : paths,
    [`traefik.http.routers.${service}.priority`]: priorities[service] ?? "20",
    [`traefik.http.routers.${service}.service`]: service,
    [`traefik.http.services.${service}.loadbalancer.server.port`]: String(port),
  };
  if (kind !== "media") labels[`traefik.http.services.${service}.loadbalancer.sticky.cookie`] = "true";
  return labels;
}

/**
 * Labels for a new worker of `kind` on `port`: copies the traefik labels of an existing worker
 * of the same Traefik service (its port replaced), else the guide's generic pattern.
 */
export function traefikLabels(kind: WorkerKind, port: number, main: Labelled, peers: Labelled[]): Record<string, string> {
  const service = workerCatalogue[kind].traefikService;
  if (!service || !usesTraefik(main, peers)) return {};
  const portKey = `traefik.http.services.${service}.loadbalancer.server.port`;
  const model = peers.find((p) => portKey in p.labels);
  if (!model) return genericTraefikLabels(kind, port, main);
  const copied = Object.fromEntries(Object.entries(model.labels).filter(([k]) => k.startsWith("traefik.")));
  copied[portKey] = String(port);
  return copied;
}
