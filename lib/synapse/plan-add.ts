import { parse } from "yaml";
import { singleWriterStreams, workerCatalogue, type WorkerKind } from "./catalogue";
import { healthListener } from "./config";
import { allocateName, allocatePort, portRanges } from "./allocate";
import { workerContainerName, workerContainerSpec } from "./container-spec";
import { mainHost, networkAlias } from "./deployment";
import { addListener, appendToList, ensureMap } from "./hs-edit";
import { countOfKind, draftHs, draftWorkers, kindLabel, type Draft, type NewWorker } from "./plan-draft";
import { placeWorker, refuseHostBinds } from "./plan-placement";
import { PlanError, type Placement } from "./plan-schema";
import { workerTargetEntry } from "./prometheus-targets";
import { describeRoute } from "./routes-table";
import { needsReplicationListener, renderWorkerFile, workerFilePath } from "./worker-file";

/** Adds one worker to a draft: its file, its homeserver.yaml keys, its container spec, its metrics target. */

export interface AddWorkerInput {
  kind: WorkerKind;
  name?: string;
  port?: number;
  resources?: { cpus?: number; memoryMiB?: number };
  /** On a swarm: where it starts or stays (plan-placement.ts). */
  placement?: Placement;
}

const stringField = (text: string | undefined, key: string): string | null => {
  try {
    const v = text === undefined ? null : (parse(text) as Record<string, unknown> | null)?.[key];
    return typeof v === "string" ? v : null;
  } catch {
    return null;
  }
};

/**
 * The log config a new worker uses: the one most processes share (main's log_config counts, and
 * wins a tie). Not merely the first worker's: that one may be its own, writing to its own log file,
 * and two processes rotating one file lose lines.
 */
function sharedLogConfig(draft: Draft): string | null {
  const mainConfig = stringField(draft.dep.hsText, "log_config");
  const counts = new Map<string, number>();
  if (mainConfig) counts.set(mainConfig, 1);
  for (const w of draftWorkers(draft)) {
    const file = w.entry?.file;
    const value = file ? stringField(draft.ctx.snapshot.files[file], "worker_log_config") : null;
    if (value) counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  let best = mainConfig;
  for (const [value, n] of counts) if (best === null || n > (counts.get(best) ?? 0)) best = value;
  return best;
}

/** Main's bind addresses for new listeners: those of its client listener, else all interfaces. */
function bindAddresses(draft: Draft): string[] {
  const l = healthListener(draft.dep.hs.listeners);
  return l && l.bindAddresses.length > 0 ? l.bindAddresses : ["0.0.0.0"];
}

/** The first worker needs main's replication listener, instance_map.main and Redis. */
function ensureWorkerMode(draft: Draft): void {
  const hs = draftHs(draft);
  const repl = hs.listeners.find((l) => l.type === "http" && l.resources.includes("replication"));
  let port = repl?.port;
  if (port === undefined) {
    const wanted = hs.instanceMap.main?.port;
    port = wanted !== undefined && !draft.ports.has(wanted) ? wanted : allocatePort(portRanges.mainReplication, draft.ports);
    draft.ports.add(port);
    addListener(draft.hs, { port, type: "http", bind_addresses: bindAddresses(draft), resources: [{ names: ["replication"] }] });
  }
  if (!hs.instanceMap.main || hs.instanceMap.main.port !== port) {
    ensureMap(draft.hs, ["instance_map"]);
    draft.hs.setIn(["instance_map", "main"], draft.hs.createNode({ host: mainHost(draft.dep), port }));
  }
  if (!hs.redisEnabled) {
    ensureMap(draft.hs, ["redis"]);
    draft.hs.setIn(["redis", "enabled"], true);
    if (draft.hs.getIn(["redis", "host"]) === undefined) draft.warnings.push("Redis was not configured: redis.enabled is now true, but set redis.host (and password) to your Redis service");
  }
}

function refuseConflicts(draft: Draft, input: AddWorkerInput): void {
  const spec = workerCatalogue[input.kind];
  if (spec.max !== null && countOfKind(draft, input.kind) >= spec.max)
    throw new PlanError("limit", `a deployment takes at most ${spec.max} ${kindLabel(input.kind, spec.max)}`);
  const hs = draftHs(draft);
  for (const stream of spec.streams) {
    const writers = hs.streamWriters[stream] ?? [];
    if (singleWriterStreams.includes(stream) && writers.length > 0)
      throw new PlanError("conflict", `the ${stream} stream already has its writer (${writers.join(", ")}); it takes exactly one`);
  }
}

function choosePort(draft: Draft, wanted: number | undefined, from: number): number {
  if (wanted !== undefined) {
    if (draft.ports.has(wanted)) throw new PlanError("conflict", `port ${wanted} is already used by a listener or a published port`);
    draft.ports.add(wanted);
    return wanted;
  }
  const p = allocatePort(from, draft.ports);
  draft.ports.add(p);
  return p;
}

export function addWorkerToDraft(draft: Draft, input: AddWorkerInput): NewWorker {
  const spec = workerCatalogue[input.kind];
  const main = draft.dep.main?.container;
  if (!main) throw new PlanError("invalid", "main's container is unknown, so a worker container cannot be derived from it");
  refuseConflicts(draft, input);
  const placement = placeWorker(draft, input.kind, input.placement);

  const name = input.name ?? allocateName(spec.namePrefix, draft.names);
  if (draft.names.has(name)) throw new PlanError("conflict", `the name ${name} is already used by a worker, a container or instance_map`);
  const containerName = workerContainerName(main, name);
  if (draft.containerNames.has(containerName)) throw new PlanError("conflict", `a container named ${containerName} already exists`);
  if (input.port !== undefined && spec.resources.length === 0) throw new PlanError("invalid", `a ${kindLabel(input.kind)} has no http listener to put on port ${input.port}`);

  const http = spec.resources.length > 0 ? choosePort(draft, input.port, portRanges.http) : null;
  const replication = needsReplicationListener(input.kind) ? choosePort(draft, undefined, portRanges.replication) : null;
  const metrics = choosePort(draft, undefined, portRanges.metrics);
  draft.names.add(name);
  draft.containerNames.add(containerName);
  const alias = networkAlias(name);

  ensureWorkerMode(draft);
  const doc = draft.hs;
  for (const stream of spec.streams) appendToList(doc, ["stream_writers", stream], name, true);
  if (replication !== null) {
    ensureMap(doc, ["instance_map"]);
    doc.setIn(["instance_map", name], doc.createNode({ host: alias, port: replication }));
  }
  const key = spec.homeserverKey;
  if (key === "federation_sender_instances" || key === "pusher_instances") appendToList(doc, [key], name);
  else if (key === "media_instance_running_background_jobs") {
    if (!draftHs(draft).mediaBackgroundJobsOn) doc.setIn([key], name);
  } else if (key) doc.setIn([key], name);
  if (input.kind === "media" && doc.get("enable_media_repo") !== false) doc.set("enable_media_repo", false);

  const logConfig = sharedLogConfig(draft);
  draft.files.set(workerFilePath(name), renderWorkerFile({ name, kind: input.kind, ports: { http, replication, metrics }, logConfig, bindAddresses: bindAddresses(draft) }));
  const target = workerTargetEntry(name, spec.namePrefix, alias, metrics);
  draft.targets.add.push(target);

  const peers = draft.dep.workers.flatMap((w) => (w.process?.container ? [w.process.container] : []));
  const containerSpec = workerContainerSpec(main, {
    name,
    kind: input.kind,
    httpPort: http,
    alias,
    resources: input.resources,
    workerCommand: draft.ctx.settings?.workerCommand,
    publishHttpPorts: draft.ctx.settings?.publishHttpPorts,
    peers: [...peers, ...draft.added.map((a) => a.spec)].map((c) => ({ ...c, id: "", managedByFleet: true })),
    mainHttpPort: healthListener(draft.dep.hs.listeners)?.port ?? null,
  });
  refuseHostBinds(draft, containerSpec.binds);
  if (placement) {
    containerSpec.placement = placement;
    // On a swarm Prometheus finds tasks itself (dockerswarm_sd_configs) by these service labels.
    Object.assign(containerSpec.labels, swarmMetricsLabels(metrics, target.labels));
    // A named volume is local to its node: elsewhere main's media store would be a new, empty one.
    // Only a worker kept on main's node (a media worker beside the store) shares it, unless the
    // operator declared the store shared (a volume driver every node reaches).
    const besideMain = placement.pin && placement.node === draft.dep.main?.container?.placement?.node;
    if (!besideMain && !draft.ctx.settings?.sharedMediaStore) containerSpec.binds = containerSpec.binds.filter((b) => b.split(":")[0].startsWith("/"));
  }
  // Traefik deployments get the routes as labels; any other load balancer must be told.
  const routedByLabels = Object.keys(containerSpec.labels).some((k) => k.startsWith("traefik.http.routers."));
  if (spec.routes.length > 0 && !spec.traefikService && !routedByLabels)
    draft.warnings.push(`${name} serves ${spec.routes.map(describeRoute).join(", ")}: route those paths to it in your load balancer`);
  const added: NewWorker = { name, kind: input.kind, httpPort: http, spec: containerSpec };
  draft.added.push(added);
  return added;
}

/** The labels a swarm's Prometheus (dockerswarm_sd_configs, lab/swarm/config.sh) scrapes a service by: port, job and index as the file_sd target has them. */
export function swarmMetricsLabels(port: number, labels: Record<string, string>): Record<string, string> {
  return {
    "io.synapse-fleet.metrics.port": String(port),
    ...(labels.job ? { "io.synapse-fleet.metrics.job": labels.job } : {}),
    ...(labels.index ? { "io.synapse-fleet.metrics.index": labels.index } : {}),
  };
}
