import { kindOf } from "@/lib/synapse/deployment";
import { genericTraefikLabels } from "@/lib/synapse/traefik";
import type { WorkerType } from "@/lib/synapse/types";
import { mainProcess, running, type Check, type CheckOutcome, type DiagnosticsContext, type ProcessFacts } from "./model";
import { ask, humanWindow, seconds, serverNameMatcher } from "./prometheus";

/**
 * Requests reach workers only when the load balancer sends them there: client-serving workers must
 * be behind the router for /_matrix/client, media workers behind the one for /_matrix/media (the
 * Traefik labels of the containers); and main should not still be serving most client requests
 * while a generic worker is up (Prometheus, over 15 min).
 */

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

function labelSnippet(ctx: DiagnosticsContext, p: ProcessFacts, resource: "client" | "media"): string {
  const kind = kindOf(p.name, p.type as WorkerType, p.streams) ?? (resource === "media" ? "media" : "generic");
  const port = httpPort(p, resource) ?? httpPort(p, "client") ?? 8008;
  const labels = genericTraefikLabels(kind, port, { labels: mainProcess(ctx)?.unit?.labels ?? {} });
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join("  ");
}

function checkLabels(ctx: DiagnosticsContext, evidence: string[], fixes: string[]): boolean {
  const client = ctx.processes.filter((p) => p.unit && CLIENT_TYPES.has(p.type));
  const media = ctx.processes.filter((p) => p.unit && p.type === "media");
  if (client.length + media.length === 0) {
    evidence.push("no worker serves client or media requests: every request goes to main, nothing to route");
    return true;
  }
  if (ctx.routes.length === 0) {
    evidence.push("no Synapse container carries Traefik router labels: routing by another load balancer cannot be seen from here");
    fixes.push("If Traefik routes this deployment, label the workers' containers (the dashboard adds the labels to workers it creates); otherwise check your load balancer sends /_matrix/client to the client workers and /_matrix/media to the media workers.");
    return false;
  }
  const behind = (p: ProcessFacts, rule: RegExp) => ctx.routes.filter((r) => rule.test(r.rule) && r.targets.includes(p.name)).map((r) => r.router);
  let ok = true;
  for (const [list, rule, resource, what] of [
    [client, CLIENT_RULE, "client", "client"],
    [media, MEDIA_RULE, "media", "media"],
  ] as const) {
    for (const p of list) {
      const routers = behind(p, rule);
      if (routers.length > 0) {
        evidence.push(`${p.name} is behind the ${what} router ${routers.join(", ")}`);
        continue;
      }
      ok = false;
      evidence.push(`${p.name} serves ${what} requests but no Traefik router for /_matrix/${what} sends it any${Object.keys(p.unit!.labels).some((k) => k.startsWith("traefik.")) ? "" : " (its container has no Traefik labels)"}`);
      fixes.push(`Label ${p.unit!.name} for Traefik and re-create it: ${labelSnippet(ctx, p, resource)}`);
    }
  }
  return ok;
}

async function checkShare(ctx: DiagnosticsContext, evidence: string[], fixes: string[]): Promise<"pass" | "warn"> {
  const workersUp = running(ctx).filter((p) => CLIENT_TYPES.has(p.type));
  if (workersUp.length === 0) {
    evidence.push("no client-serving worker is running: main is meant to serve client requests");
    return "pass";
  }
  const window = seconds(ctx.options.routingWindowSeconds);
  const human = humanWindow(ctx.options.routingWindowSeconds);
  const sel = [CLIENT_SERVLETS, serverNameMatcher(ctx.serverName)].filter(Boolean).join(",");
  const a = await ask(() => ctx.prometheus.instantQuery(`sum by (worker) (increase(synapse_http_server_requests_received_total{${sel}}[${window}]))`, { signal: ctx.signal }));
  if (!a.ok) {
    evidence.push(`cannot run the traffic part: ${a.why}`);
    return "warn";
  }
  const total = a.value.reduce((s, r) => s + r.value, 0);
  const main = a.value.filter((r) => r.labels.worker === "main").reduce((s, r) => s + r.value, 0);
  if (total < MIN_CLIENT_REQUESTS) {
    evidence.push(`${Math.round(total)} client requests in the last ${human}: too few to tell who serves them`);
    return "pass";
  }
  const share = main / total;
  evidence.push(`main served ${Math.round(share * 100)} % of ${Math.round(total)} client requests in the last ${human}, with ${workersUp.map((p) => p.name).join(", ")} up`);
  if (share <= 0.5) return "pass";
  fixes.push("Main still serves most client requests although a client worker is up: make clients go through the load balancer (not main's port), and check the client router's rule and priority.");
  return "warn";
}

export const routingCheck: Check = {
  id: "routing",
  title: "Request routing",
  async run(ctx): Promise<CheckOutcome> {
    const evidence: string[] = [];
    const fixes: string[] = [];
    const labelsOk = checkLabels(ctx, evidence, fixes);
    const share = await checkShare(ctx, evidence, fixes);
    const status = labelsOk && share === "pass" ? "pass" : "warn";
    const unrouted = evidence.find((e) => / serves (client|media) requests but /.test(e));
    return { status, evidence, fix: status === "pass" ? null : fixes.join(" ") || "Prometheus must answer for the traffic part to run.", ...(unrouted ? { process: unrouted.split(" ")[0] } : {}) };
  },
};
