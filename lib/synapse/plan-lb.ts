import { parse } from "yaml";
import type { WorkerKind } from "./catalogue";
import { healthListener } from "./config";
import { mainHost, networkAlias, readDeployment, type Deployment, type WorkerEntry } from "./deployment";
import { renderNginx } from "./nginx";
import type { NewWorker } from "./plan-draft";
import { PlanError, type DeploymentSnapshot, type Step } from "./plan-schema";
import { routingTable } from "./routes-table";

/**
 * The nginx entrypoint's part of a plan. A deployment has one when discovery found a container
 * labelled as its load balancer (snapshot.loadBalancer); its config file lives in the config dir.
 * Plans that change which workers exist rewrite that file from the route table (renderNginx) in
 * `reload_lb` steps, which the executor checks with `nginx -t` and loads with `nginx -s reload`.
 *
 * nginx re-resolves upstream names as it runs (renderNginx writes `resolve` members), so a worker
 * the engine restarts with a new address is reached again without a plan. Plans still route around
 * every change they make: a worker that goes, stops or restarts is first routed away from
 * ("drained": its routes go to the rest of its pool, or to main), and a worker that comes (added,
 * started, restarted) is routed to only once it answers. A plan that does both reloads twice.
 */

export const LB_ROLE_LABEL = "io.synapse-fleet.role";
export const LB_ROLE = "load-balancer";
export const LB_KIND_LABEL = "io.synapse-fleet.lb.kind";
export const LB_CONFIG_LABEL = "io.synapse-fleet.lb.config";
export const DEFAULT_LB_CONFIG = "nginx/synapse.conf";
/** Where the lab's container sees the file (its directory is bind-mounted over /etc/nginx/conf.d). */
export const LB_CONTAINER_CONFIG = "/etc/nginx/conf.d/synapse.conf";
/** The entrypoint's port when the current file names none (the lab publishes 8080). */
export const DEFAULT_LB_PORT = 8080;

export type LoadBalancer = NonNullable<DeploymentSnapshot["loadBalancer"]>;

/**
 * The config file a container's labels name, when they make it this deployment's nginx load
 * balancer; null for any other container. A path that leaves the config dir is refused.
 */
export function lbConfigFromLabels(labels: Record<string, string>): string | null {
  if (labels[LB_ROLE_LABEL] !== LB_ROLE || labels[LB_KIND_LABEL] !== "nginx") return null;
  const file = labels[LB_CONFIG_LABEL] ?? DEFAULT_LB_CONFIG;
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}(\/[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}){0,4}$/.test(file) || file.split("/").includes(".."))
    throw new PlanError("invalid", `the load balancer's label ${LB_CONFIG_LABEL}=${file.slice(0, 200)} is not a path inside the config directory`, { reason: "lb_label" });
  return file;
}

/** One worker as nginx reaches it. */
export interface LbUpstream {
  name: string;
  kind: WorkerKind;
  host: string;
  port: number;
}

type Container = { id?: string; name: string; networks: Array<{ aliases: string[] }> };

/** The name a container is reached by on its first network: an alias that is not its short id, else the name it was planned with. */
function hostOf(c: Container, name: string): string {
  const alias = c.networks[0]?.aliases.find((a) => !(/^[0-9a-f]{12}$/.test(a) && (c.id ?? "").startsWith(a)));
  return alias ?? networkAlias(name);
}

/** A worker the table routes to, as an upstream member, whatever its state; null when nginx has nothing to reach. */
function upstreamOfAny(w: WorkerEntry): LbUpstream | null {
  const c = w.process?.container;
  const port = w.config ? healthListener(w.config.listeners)?.port : undefined;
  if (!w.kind || !routingTable[w.kind] || !c || port === undefined) return null;
  return { name: w.name, kind: w.kind, host: hostOf(c, w.name), port };
}

/**
 * A running worker the table routes to, as an upstream member; null for one nginx must not name.
 * A stopped worker is left out: nginx -t would accept its name (it is re-resolved), but a pool whose
 * only member does not resolve answers 502, where without the pool its routes go to main.
 */
export function upstreamOfWorker(w: WorkerEntry): LbUpstream | null {
  return w.process?.state === "running" ? upstreamOfAny(w) : null;
}

export function upstreamOfNew(w: NewWorker): LbUpstream | null {
  if (!routingTable[w.kind] || w.httpPort === null) return null;
  return { name: w.name, kind: w.kind, host: hostOf(w.spec, w.name), port: w.httpPort };
}

/** The port the current file listens on, so a re-render keeps what the operator published. */
function listenPortOf(text: string | null | undefined): number {
  const m = text ? /^\s*listen\s+(?:[^\s;]*:)?(\d{1,5})\b[^;]*;/m.exec(text) : null;
  const port = m ? Number(m[1]) : NaN;
  return port >= 1 && port <= 65535 ? port : DEFAULT_LB_PORT;
}

function maxUploadSizeOf(dep: Deployment): string | number | null {
  const v = (parse(dep.hsText) as Record<string, unknown> | null)?.max_upload_size;
  return typeof v === "number" || typeof v === "string" ? v : null;
}

/** The config nginx should have for these workers (main takes everything else). */
export function renderLbConfig(dep: Deployment, lb: LoadBalancer, workers: LbUpstream[]): string {
  const main = healthListener(dep.hs.listeners);
  if (!main) throw new PlanError("invalid", "homeserver.yaml has no http listener for the load balancer to send main's traffic to");
  return renderNginx({
    listenPort: listenPortOf(dep.snapshot.files[lb.configFile]),
    main: { host: mainHost(dep), port: main.port },
    workers,
    maxUploadSize: maxUploadSizeOf(dep),
  });
}

/** Refuses to plan on top of a config nginx already rejects: its own message says what is wrong, and nothing changes. */
export function refuseBrokenLbConfig(snapshot: DeploymentSnapshot): void {
  const lb = snapshot.loadBalancer;
  if (lb?.check && !lb.check.ok)
    throw new PlanError("invalid", `${lb.configFile} fails nginx -t in ${lb.name}: ${lb.check.message}. Fix or remove the hand edit, then plan again`, {
      reason: "nginx_config",
      file: lb.configFile,
    });
}

export interface LbSteps {
  /** Before any worker goes: the config without it, reloaded. */
  drain: Step | null;
  /** After the new workers are healthy: the config of the deployment after the plan. */
  final: Step | null;
  warnings: string[];
}

const names = (list: LbUpstream[]) => list.map((u) => u.name).join(", ");

/**
 * The reload steps taking the entrypoint from its current file to `finalText`, through a drain
 * config (the workers that stay) when a routed worker goes. `finalText` null: rendered from
 * `staying` + `added`.
 */
export function lbSteps(
  dep: Deployment,
  staying: LbUpstream[],
  added: LbUpstream[],
  removed: LbUpstream[],
  finalText: string | null = null,
): LbSteps {
  const lb = dep.snapshot.loadBalancer;
  if (!lb) return { drain: null, final: null, warnings: [] };
  refuseBrokenLbConfig(dep.snapshot);
  // docker exec needs a running container; a stopped nginx reads whatever the file says when started.
  if (lb.state !== "running") return { drain: null, final: null, warnings: [`${lb.name} is not running: ${lb.configFile} is left as it is`] };
  const before = dep.snapshot.files[lb.configFile] ?? null;
  const warnings: string[] = [];
  if (before !== null && before !== renderLbConfig(dep, lb, [...staying, ...removed]))
    warnings.push(`${lb.configFile} is not what the route table renders (edited by hand?): this plan replaces it`);
  const step = (from: string | null, to: string, reason: string): Step => ({ kind: "reload_lb", process: lb.name, path: lb.configFile, before: from, after: to, reason });

  let drain: Step | null = null;
  let current = before;
  if (removed.length > 0) {
    const drained = renderLbConfig(dep, lb, staying);
    if (drained !== current) drain = step(current, drained, `route away from ${names(removed)} before stopping ${removed.length === 1 ? "it" : "them"}`);
    current = drained;
  }
  const target = finalText ?? renderLbConfig(dep, lb, [...staying, ...added]);
  const final =
    target === current
      ? null
      : step(current, target, added.length > 0 ? `route to ${names(added)} now that ${added.length === 1 ? "it answers" : "they answer"}` : "route as the route table says");
  return { drain, final, warnings };
}

/** The lb steps of a worker plan (add, remove, scale, preset, rollback). */
export function lbStepsForWorkers(dep: Deployment, staying: WorkerEntry[], added: NewWorker[], removed: WorkerEntry[]): LbSteps {
  const up = <T>(list: T[], f: (w: T) => LbUpstream | null) => list.flatMap((w) => f(w) ?? []);
  return lbSteps(dep, up(staying, upstreamOfWorker), up(added, upstreamOfNew), up(removed, upstreamOfWorker));
}

/**
 * The lb steps of a restore: drain what goes, then the file the snapshot recorded (byte for byte),
 * or, for a snapshot taken before the entrypoint existed, the config rendered from its workers.
 */
export function lbStepsForRestore(snapshot: DeploymentSnapshot, target: DeploymentSnapshot, goneNames: Set<string>): LbSteps {
  const lb = snapshot.loadBalancer;
  if (!lb) return { drain: null, final: null, warnings: [] };
  const current = readDeployment(snapshot);
  const nowRouted = current.workers.flatMap((w) => upstreamOfWorker(w) ?? []);
  const past = readDeployment(target);
  const thenRouted = past.workers.flatMap((w) => upstreamOfWorker(w) ?? []);
  const recorded = target.loadBalancer?.configFile === lb.configFile ? target.files[lb.configFile] : undefined;
  const finalText = recorded ?? renderLbConfig({ ...past, snapshot: { ...target, files: { ...target.files, [lb.configFile]: current.snapshot.files[lb.configFile] } } }, lb, thenRouted);
  const staying = nowRouted.filter((u) => !goneNames.has(u.name));
  const nowNames = new Set(nowRouted.map((u) => u.name));
  return lbSteps(current, staying, thenRouted.filter((u) => !nowNames.has(u.name)), nowRouted.filter((u) => goneNames.has(u.name)), finalText);
}

/**
 * The lb steps of a start, stop or restart of one worker: a stop drains it first, a start routes to
 * it once it answers, a restart does both, so no request meets it down. Main is never drained:
 * nothing could take its routes.
 */
export function lbStepsForLifecycle(dep: Deployment, name: string, kind: "start" | "stop" | "restart"): LbSteps {
  const worker = dep.workers.find((w) => w.name === name);
  const self = worker ? upstreamOfAny(worker) : null;
  if (!worker || !self) return { drain: null, final: null, warnings: [] };
  const staying = dep.workers.filter((w) => w !== worker).flatMap((w) => upstreamOfWorker(w) ?? []);
  const running = upstreamOfWorker(worker) !== null;
  const out = lbSteps(dep, staying, kind === "stop" ? [] : [self], running && kind !== "start" ? [self] : []);
  if (out.drain && kind === "restart") out.drain = { ...out.drain, reason: `route away from ${name} while it restarts` };
  return out;
}

/**
 * The lb steps of a config edit (`after`: the deployment as the edited files describe it). A routed
 * worker whose http port changes is drained before it restarts and routed to on its new port once
 * it answers; any other change to what nginx is given (main's port, max_upload_size) is loaded at
 * the end. Nothing when the file would stay the same, so an lb config nginx already rejects does
 * not block edits that do not touch it.
 */
export function lbStepsForEdit(before: Deployment, after: Deployment): LbSteps {
  const lb = before.snapshot.loadBalancer;
  if (!lb) return { drain: null, final: null, warnings: [] };
  const now = before.workers.flatMap((w) => upstreamOfWorker(w) ?? []);
  const next = after.workers.flatMap((w) => upstreamOfWorker(w) ?? []);
  const moved = new Set(now.filter((u) => next.find((n) => n.name === u.name)?.port !== u.port).map((u) => u.name));
  const finalText = renderLbConfig(after, lb, next);
  if (moved.size === 0 && finalText === renderLbConfig(before, lb, now)) return { drain: null, final: null, warnings: [] };
  return lbSteps(
    before,
    now.filter((u) => !moved.has(u.name)),
    next.filter((u) => moved.has(u.name)),
    now.filter((u) => moved.has(u.name)),
    finalText,
  );
}
