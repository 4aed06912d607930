import "server-only";
import type { Route } from "@/lib/contract/topology";

interface Labelled {
  name: string;
  unit: { labels: Record<string, string> } | null;
}

const ROUTER_RE = /^traefik\.http\.routers\.([^.]+)\.(rule|service)$/;
const SERVICE_RE = /^traefik\.http\.services\.([^.]+)\./;

/**
 * The load balancer's routes as the processes' Traefik labels declare them: each router's rule
 * and the processes behind its service (every container that defines or targets that service).
 */
export function routesFromLabels(processes: Labelled[]): Route[] {
  const routers = new Map<string, { rule: string; service: string | null }>();
  const serviceTargets = new Map<string, Set<string>>();
  for (const p of processes) {
    const labels = p.unit?.labels ?? {};
    if (labels["traefik.enable"] === "false") continue;
    const ownServices = new Set<string>();
    for (const key of Object.keys(labels)) {
      const s = SERVICE_RE.exec(key);
      if (s) ownServices.add(s[1]);
    }
    const localRouters = new Map<string, { rule?: string; service?: string }>();
    for (const [key, value] of Object.entries(labels)) {
      const m = ROUTER_RE.exec(key);
      if (!m) continue;
      const r = localRouters.get(m[1]) ?? {};
      r[m[2] as "rule" | "service"] = value;
      localRouters.set(m[1], r);
    }
    for (const [name, r] of localRouters) {
      // Traefik's default: a router on a container with a single service uses that service.
      const service = r.service ?? (ownServices.size === 1 ? [...ownServices][0] : name);
      const known = routers.get(name);
      routers.set(name, { rule: r.rule ?? known?.rule ?? "", service: known?.service ?? service });
      ownServices.add(service);
    }
    for (const s of ownServices) {
      const set = serviceTargets.get(s) ?? new Set<string>();
      set.add(p.name);
      serviceTargets.set(s, set);
    }
  }
  return [...routers.entries()]
    .map(([router, r]) => ({ router, rule: r.rule, service: r.service ?? router, targets: [...(serviceTargets.get(r.service ?? router) ?? [])].sort() }))
    .sort((a, b) => a.router.localeCompare(b.router));
}
