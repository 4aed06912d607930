import "server-only";
import path from "node:path";
import type { Health, InfraService, SynapseProcess, Topology } from "@/lib/contract/topology";
import { listRuntime, withDetails, engineVersion, type RuntimeUnit } from "@/lib/docker/runtime";
import { DockerUnavailableError } from "@/lib/docker/client";
import { parseSynapseCommand } from "@/lib/synapse/command";
import { healthListener, metricsListener, type HomeserverConfig, type WorkerConfig } from "@/lib/synapse/config";
import { deriveRole } from "@/lib/synapse/derive";
import { LB_KIND_LABEL, LB_ROLE, LB_ROLE_LABEL } from "@/lib/synapse/plan-lb";
import { maskValue } from "@/lib/synapse/secrets";
import { roleGroups, workerTypes } from "@/lib/synapse/types";
import { configDir, hostPathOf, readHomeserver, readWorkerFile } from "./config-files";
import { probeAlive, probeHealth, type ProbeTarget } from "./health";
import { latestStats } from "./stats-cache";
import { nginxRoutes, routesFromLabels } from "./routes";
import { synapseVersion } from "./version";
import { prometheusSourceFrom } from "@/lib/prometheus/url";
import type { SwarmNode } from "@/lib/synapse/plan-schema";
import { healthFromSwarm, reachableFromHere, serviceName, strandedWarning, swarmFields, swarmProbeTarget } from "./swarm";

export const FLEET_WORKER_LABEL = "io.synapse-fleet.worker";

/** A discovered process before its health is known. */
export interface ProcessDraft extends Omit<SynapseProcess, "health" | "stats"> {
  probe: ProbeTarget;
  unit: RuntimeUnit | null;
  /** Started as soon as the draft exists, when discovery is asked to probe. */
  health?: Promise<Health>;
}

/** Cheap pre-filter on the listing, so only likely Synapse containers are inspected. */
function looksLikeSynapse(u: RuntimeUnit): boolean {
  return FLEET_WORKER_LABEL in u.labels || /synapse|start\.py/.test(u.argv.join(" "));
}

function infraKind(u: RuntimeUnit): InfraService["kind"] | null {
  const hay = `${u.image} ${u.argv.join(" ")} ${u.labels["com.docker.compose.service"] ?? ""}`.toLowerCase();
  if (/synapse\.app|start\.py/.test(hay)) return null;
  // The nginx entrypoint says what it is by its labels (lib/synapse/plan-lb.ts); its image is the lab's.
  if (u.labels[LB_ROLE_LABEL] === LB_ROLE && u.labels[LB_KIND_LABEL] === "nginx") return "nginx";
  if (/traefik/.test(hay)) return "traefik";
  if (/prometheus/.test(hay)) return "prometheus";
  if (/redis-server|\bredis\b/.test(hay)) return "redis";
  if (/postgres/.test(hay)) return "postgres";
  return null;
}

function containerRef(u: RuntimeUnit): NonNullable<SynapseProcess["container"]> {
  return {
    id: u.id,
    name: u.name,
    image: u.image,
    createdAt: u.createdAt,
    startedAt: u.startedAt,
    composeProject: u.labels["com.docker.compose.project"] ?? null,
    composeService: u.labels["com.docker.compose.service"] ?? null,
  };
}

function probeTarget(u: RuntimeUnit, address: string | null, listeners: WorkerConfig["listeners"]): ProbeTarget {
  if (u.swarm) return swarmProbeTarget(u, listeners);
  const http = healthListener(listeners);
  const metrics = metricsListener(listeners);
  return { address, httpPort: http?.port ?? null, tcpPort: http ? null : (metrics?.port ?? null) };
}

/** Turns one Synapse container into a process, reading its worker file. Null if it is not ours. */
async function processFromUnit(
  u: RuntimeUnit,
  dir: string | null,
  hs: HomeserverConfig | null,
  warnings: string[],
): Promise<ProcessDraft | null> {
  const cmd = parseSynapseCommand(u.argv, u.env ?? {});
  if (!cmd) return null;
  const mainConfig = cmd.configPaths[0] ?? null;
  if (dir && mainConfig) {
    const mainHost = await hostPathOf(mainConfig, u.mounts, mainConfig, dir);
    // A Synapse of another deployment on the same engine is not ours to show.
    if (mainHost && path.resolve(mainHost) !== path.join(dir, "homeserver.yaml")) return null;
  }
  const address = u.networks.find((n) => n.ip)?.ip ?? null;
  const base = {
    app: cmd.app,
    state: u.state,
    ports: u.ports,
    address,
    container: containerRef(u),
    unit: u,
    ...swarmFields(u),
  };
  if (cmd.app === "synapse.app.homeserver") {
    const listeners = hs?.listeners ?? [];
    return { ...base, name: "main", type: "main", streams: [], configFile: null, listeners, probe: probeTarget(u, address, listeners) };
  }
  const workerPath = cmd.configPaths.length > 1 ? cmd.configPaths[cmd.configPaths.length - 1] : null;
  const hostPath = workerPath ? await hostPathOf(workerPath, u.mounts, mainConfig, dir) : null;
  let worker: WorkerConfig | null = null;
  if (hostPath) {
    try {
      worker = await readWorkerFile(hostPath, path.basename(hostPath));
    } catch (err) {
      warnings.push(`${u.name}: cannot read worker file ${workerPath}: ${(err as Error).message}`);
    }
  } else {
    warnings.push(`${u.name}: runs a worker but its worker file is not readable from the dashboard`);
  }
  const name =
    worker?.workerName ?? u.labels[FLEET_WORKER_LABEL] ?? (workerPath ? path.basename(workerPath, path.extname(workerPath)) : u.name);
  const role = worker && hs ? deriveRole(worker, hs) : { type: "generic" as const, streams: [] };
  const listeners = worker?.listeners ?? [];
  return {
    ...base,
    name,
    type: role.type,
    streams: role.streams,
    configFile: hostPath && dir ? path.relative(dir, hostPath) : (workerPath ?? null),
    listeners,
    probe: probeTarget(u, address, listeners),
  };
}

/** Workers that homeserver.yaml names but that have no container: a misconfiguration to show. */
function referencedWorkers(hs: HomeserverConfig): Set<string> {
  const names = new Set<string>([
    ...Object.keys(hs.instanceMap),
    ...Object.values(hs.streamWriters).flatMap((w) => w ?? []),
    ...hs.federationSenderInstances,
    ...hs.pusherInstances,
  ]);
  for (const n of [hs.mediaBackgroundJobsOn, hs.userDirectoryWorker, hs.appserviceWorker, hs.backgroundTasksOn]) if (n) names.add(n);
  names.delete("main");
  names.delete("master");
  return names;
}

const typeOrder = new Map<string, number>(roleGroups.flatMap((g, gi) => g.types.map((t) => [t, gi * 100 + workerTypes.indexOf(t)] as const)));

/**
 * Processes and infrastructure from the engine and the config dir, without probing unless asked
 * (`early`: probes already under way, by `probeKey`, that a process at that target takes).
 */
export async function discoverDrafts(opts: { probe?: boolean; early?: EarlyProbes } = {}): Promise<{
  dir: string | null;
  hs: HomeserverConfig | null;
  drafts: ProcessDraft[];
  services: Array<InfraService & { unit: RuntimeUnit }>;
  units: RuntimeUnit[];
  /** The swarm's nodes; null when the deployment runs as plain containers. */
  nodes: SwarmNode[] | null;
  docker: Topology["docker"];
  warnings: string[];
}> {
  const warnings: string[] = [];
  const dir = configDir();
  if (!dir) warnings.push("SYNAPSE_CONFIG_DIR is not set: worker types and listeners cannot be read");
  // The config and the engine's listing do not depend on each other: read both at once.
  const [hsResult, unitsResult] = await Promise.allSettled([dir ? readHomeserver(dir) : Promise.resolve(null), listRuntime()]);
  let hs: HomeserverConfig | null = null;
  if (hsResult.status === "fulfilled") hs = hsResult.value;
  else warnings.push(`homeserver.yaml: ${(hsResult.reason as Error).message}`);

  let units: RuntimeUnit[] = [];
  let nodes: SwarmNode[] | null = null;
  let dockerState: Topology["docker"] = { reachable: true, version: null, error: null };
  if (unitsResult.status === "fulfilled") ({ units, nodes } = unitsResult.value);
  // DOCKER_HOST may carry credentials (tcp://user:pass@host), and the engine's errors quote it.
  else if (unitsResult.reason instanceof DockerUnavailableError) dockerState = { reachable: false, version: null, error: maskValue(unitsResult.reason.message) };
  else throw unitsResult.reason;

  // Each container goes through inspect → worker file → (optionally) its first probe on its own,
  // so a slow one does not hold the others back.
  const found = (
    await Promise.all(
      units.filter(looksLikeSynapse).map(async (u) => {
        const detailed = await withDetails(u);
        if (!detailed) return null;
        const draft = await processFromUnit(detailed, dir, hs, warnings);
        if (draft && opts.probe && draft.unit) draft.health = healthOf(draft.unit, draft.probe, opts.early);
        return draft;
      }),
    )
  ).filter((p) => p !== null);

  // Without the engine nothing says which containers exist: "no container runs it" would be a guess.
  if (hs && dockerState.reachable) {
    const have = new Set(found.map((p) => p.name));
    for (const name of referencedWorkers(hs)) {
      if (have.has(name)) continue;
      warnings.push(`${name} is named in homeserver.yaml but no container runs it`);
      found.push({
        name, type: "generic", streams: [], app: "synapse.app.generic_worker", configFile: null, state: "missing",
        listeners: [], ports: [], address: null, container: null, unit: null, probe: { address: null, httpPort: null, tcpPort: null },
      });
    }
  }
  const seen = new Map<string, number>();
  for (const p of found) seen.set(p.name, (seen.get(p.name) ?? 0) + 1);
  for (const [name, n] of seen) if (n > 1) warnings.push(`worker_name ${name} is used by ${n} containers: replication positions will collide`);
  for (const p of found) {
    const stranded = strandedWarning(p.name, p.unit, nodes);
    if (!stranded) continue;
    p.stranded = true;
    warnings.push(stranded);
  }

  found.sort((a, b) => (typeOrder.get(a.type) ?? 9999) - (typeOrder.get(b.type) ?? 9999) || a.name.localeCompare(b.name, "en", { numeric: true }));

  // This deployment's services are on a network one of its Synapse containers is on: another
  // project's PostgreSQL or Prometheus on the same engine is not ours. With no Synapse container, all.
  const ourNetworks = new Set(found.flatMap((p) => p.unit?.networks.map((n) => n.name) ?? []));
  const services = units.flatMap((u) => {
    const kind = infraKind(u);
    if (!kind) return [];
    if (ourNetworks.size > 0 && !u.networks.some((n) => ourNetworks.has(n.name))) return [];
    const health = u.state !== "running" ? "stopped" : u.dockerHealth === "unhealthy" ? "unhealthy" : u.dockerHealth === "starting" ? "starting" : "healthy";
    const node = u.swarm ? { node: u.swarm.node } : {};
    return [{ kind, name: serviceName(u), state: u.state, health, image: u.image, containerId: u.id, ...node, unit: u } as const];
  });
  // Warnings quote parser and engine errors, and a YAML error quotes the offending line of the file.
  return { dir, hs, drafts: found, services, units, nodes, docker: dockerState, warnings: warnings.map(maskValue) };
}

/** One probe; a swarm task that cannot be probed from here takes Swarm's word (lib/topology/swarm.ts). */
function healthOf(u: RuntimeUnit, probe: ProbeTarget, early?: EarlyProbes): Promise<Health> {
  if (u.swarm && !probe.address) return Promise.resolve(healthFromSwarm(u));
  return probeHealth(u.state, u.startedAt, probe, undefined, early?.get(probeKey(u.id, probe)));
}

type EarlyProbes = Map<string, Promise<boolean | null>>;
const probeKey = (unitId: string, t: ProbeTarget) => `${unitId} ${t.address} ${t.httpPort} ${t.tcpPort}`;

/**
 * The unit and probe target of each running process the last topology probed. The next one probes
 * them again at once, while the engine lists what runs: a process still at its target (most, most
 * of the time) then has its answer as soon as the listing says so, instead of one round trip later.
 * One whose unit or target changed is probed afresh; a probe of a target gone is not waited for.
 */
let lastTargets = new Map<string, ProbeTarget>();

function probeLastTargets(): EarlyProbes {
  return new Map([...lastTargets].map(([key, target]) => [key, probeAlive(target)]));
}

function mainReached(drafts: ProcessDraft[]): ProcessDraft | undefined {
  const main = drafts.find((p) => p.type === "main" && p.state === "running");
  return main && reachableFromHere(main);
}

let engineCache: { at: number; value: { version: string } | null } | null = null;
async function cachedEngineVersion(): Promise<{ version: string } | null> {
  if (engineCache && Date.now() - engineCache.at < 60_000) return engineCache.value;
  const value = await engineVersion().catch(() => null);
  engineCache = { at: Date.now(), value };
  return value;
}

/**
 * What the engine last showed, for while it is away: an operator keeps seeing the deployment, every
 * process and service marked `unknown` rather than vanished or "missing" (it may well still run).
 */
let lastSeen: Pick<Topology, "processes" | "services"> | null = null;

function asUnknown(seen: Pick<Topology, "processes" | "services">): Pick<Topology, "processes" | "services"> {
  return {
    processes: seen.processes.map((p) => ({ ...p, state: "unknown", health: "unknown", stats: null })),
    services: seen.services.map((s) => ({ ...s, state: "unknown", health: "unknown" })),
  };
}

/** The whole deployment, live: containers, config, and one parallel round of /health probes. */
export async function discoverTopology(): Promise<Topology> {
  const d = await discoverDrafts({ probe: true, early: probeLastTargets() });
  lastTargets = new Map(d.drafts.flatMap((p) => (p.unit && p.state === "running" && p.probe.address ? [[probeKey(p.unit.id, p.probe), p.probe] as const] : [])));
  if (!d.docker.reachable && lastSeen) {
    return { ...(await topologyFrom(d)), ...asUnknown(lastSeen) };
  }
  const t = await topologyFrom(d);
  if (d.docker.reachable) lastSeen = { processes: t.processes, services: t.services };
  return t;
}

async function topologyFrom(d: Awaited<ReturnType<typeof discoverDrafts>>): Promise<Topology> {
  const [processes, version, engine, nginx] = await Promise.all([
    Promise.all(
      d.drafts.map(async ({ probe: _probe, unit, health, ...p }): Promise<SynapseProcess> => ({
        ...p,
        health: health ? await health : "stopped",
        stats: unit ? latestStats(unit.id) : null,
      })),
    ),
    synapseVersion(mainReached(d.drafts)),
    d.docker.reachable ? cachedEngineVersion() : Promise.resolve(null),
    nginxRoutes(d.units, d.dir),
  ]);
  return {
    serverName: d.hs?.serverName ?? null,
    synapseVersion: version,
    configDir: d.dir,
    docker: { ...d.docker, version: engine?.version ?? null },
    processes,
    services: d.services.map(({ unit: _unit, ...s }) => s),
    ...(d.nodes ? { nodes: d.nodes } : {}),
    prometheus: prometheusSourceFrom(process.env.FLEET_PROMETHEUS_URL, d.services),
    // An nginx entrypoint routes by its config file; otherwise the Traefik labels say. A Traefik rule
    // may match on a header value (Headers(`Authorization`, `Bearer …`)).
    routes: (nginx?.routes ?? routesFromLabels(d.drafts)).map((r) => ({ ...r, rule: maskValue(r.rule) })),
    warnings: nginx?.warning ? [...d.warnings, maskValue(nginx.warning)] : d.warnings,
    generatedAt: new Date().toISOString(),
  };
}
