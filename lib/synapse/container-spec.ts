import { workerCatalogue, type WorkerKind } from "./catalogue";
import { parseSynapseCommand } from "./command";
import { PlanError, type ContainerSpec, type EngineRecord } from "./plan-schema";
import type { SnapshotProcess } from "./deployment";
import { traefikLabels } from "./traefik";

/**
 * How a new worker's container is made from main's: it inherits every field of main's container
 * (image, mounts, env, networks, user, restart policy and the engine record: healthcheck, hardening,
 * log driver…) except those that must differ: name, command, hostname, published ports, static
 * addresses, its own labels (never main's: com.docker.compose.* would make compose take it for
 * main's service) and the healthcheck's port.
 */

export const FLEET_WORKER_LABEL = "io.synapse-fleet.worker";
export const FLEET_MANAGED_LABEL = "io.synapse-fleet.managed";

type MainContainer = NonNullable<SnapshotProcess["container"]>;

export interface WorkerContainerInput {
  name: string;
  kind: WorkerKind;
  httpPort: number | null;
  alias: string;
  resources?: { cpus?: number; memoryMiB?: number };
  workerCommand?: string[] | null;
  publishHttpPorts?: boolean | null;
  /** Containers of existing workers: the Traefik labels of one of the same service are copied. */
  peers: MainContainer[];
  /** The http listener port main serves clients on (to tell whether main publishes it). */
  mainHttpPort: number | null;
}

/** `fleetlab_synapse_1` → `fleetlab`: the compose project (or the swarm stack), else main's name without its replica number. */
export function containerNamePrefix(main: MainContainer): string {
  const project = main.labels["com.docker.compose.project"] ?? main.labels["com.docker.stack.namespace"];
  if (project) return project;
  return main.name.replace(/^\//, "").replace(/[-_]\d+$/, "");
}

export function workerContainerName(main: MainContainer, worker: string): string {
  return `${containerNamePrefix(main)}-worker-${worker}`;
}

function dirname(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "" : ".") : p.slice(0, i);
}

interface Command {
  entrypoint: string[] | null;
  cmd: string[];
  env: Record<string, string>;
}

/** The worker's command: the operator's template, else main's argv with the worker app, else the official image's `run`. */
function workerCommand(main: MainContainer, name: string, template: string[] | null | undefined): Command {
  const env = { ...main.env };
  const argv = [...(main.entrypoint ?? []), ...main.cmd];
  const parsed = parseSynapseCommand(argv, env);
  const hsPath = parsed?.configPaths[0] ?? env.SYNAPSE_CONFIG_PATH ?? "/data/homeserver.yaml";
  const workerPath = `${dirname(hsPath)}/workers/${name}.yaml`;
  let result: Command;
  if (template && template.length > 0) {
    const cmd = template.map((a) => a.replaceAll("{homeserver_config}", hsPath).replaceAll("{worker_config}", workerPath));
    result = { entrypoint: main.entrypoint, cmd, env };
  } else if (main.cmd.includes("synapse.app.homeserver")) {
    result = { entrypoint: main.entrypoint, cmd: [...main.cmd.map((a) => (a === "synapse.app.homeserver" ? "synapse.app.generic_worker" : a)), "--config-path", workerPath], env };
  } else if (main.entrypoint?.includes("synapse.app.homeserver")) {
    const entrypoint = main.entrypoint.map((a) => (a === "synapse.app.homeserver" ? "synapse.app.generic_worker" : a));
    result = { entrypoint, cmd: [...main.cmd, "--config-path", workerPath], env };
  } else if (argv.some((a) => /(^|\/)synapse_homeserver$/.test(a))) {
    // Debian's wrapper has a worker twin.
    const swap = (a: string) => a.replace(/synapse_homeserver$/, "synapse_worker");
    result = { entrypoint: main.entrypoint?.map(swap) ?? null, cmd: [...main.cmd.map(swap), "--config-path", workerPath], env };
  } else {
    result = { entrypoint: main.entrypoint, cmd: ["run", `--config-path=${hsPath}`, `--config-path=${workerPath}`], env };
  }
  // The official image's /start.py runs $SYNAPSE_WORKER unless the arguments name a module.
  const full = [...(result.entrypoint ?? []), ...result.cmd];
  if (full.some((a) => /(^|\/)start\.py$/.test(a)) && !full.includes("-m")) result.env.SYNAPSE_WORKER = "synapse.app.generic_worker";
  else if (result.env.SYNAPSE_WORKER === "synapse.app.homeserver") delete result.env.SYNAPSE_WORKER;
  const check = parseSynapseCommand(full, result.env);
  if (!check || check.app !== "synapse.app.generic_worker" || !check.configPaths.includes(workerPath)) {
    throw new PlanError("invalid", `the worker command ${JSON.stringify(full)} does not run synapse.app.generic_worker with --config-path ${workerPath}`);
  }
  return result;
}

/** Main's published http port mapping, when it publishes the port it serves clients on. */
function mainHttpPublish(main: MainContainer, port: number | null): { hostIp: string } | null {
  if (port === null) return null;
  const p = main.ports.find((x) => x.container === port);
  return p ? { hostIp: p.hostIp } : null;
}

/** Main's healthcheck, run in a worker: main's http port becomes the worker's; without an http listener, none. */
export function workerHealthcheck(healthcheck: unknown, mainHttpPort: number | null, workerHttpPort: number | null): unknown {
  const hc = healthcheck as { Test?: unknown } | null | undefined;
  if (!hc || !Array.isArray(hc.Test) || mainHttpPort === null) return healthcheck;
  // ":8008" not followed by a digit: localhost:8008/health, 127.0.0.1:8008, [::1]:8008.
  const port = `:${mainHttpPort}(?![0-9])`;
  const test = hc.Test as unknown[];
  if (!test.some((a) => typeof a === "string" && new RegExp(port).test(a))) return healthcheck; // names no port of main's: valid as it is
  // A worker with no http listener has no /health to ask; "NONE" also turns off an image's own check.
  if (workerHttpPort === null) return { Test: ["NONE"] };
  return { ...hc, Test: test.map((a) => (typeof a === "string" ? a.replace(new RegExp(port, "g"), `:${workerHttpPort}`) : a)) };
}

/** Config fields a worker must not share with main: its hostname and a static MAC address. */
const MAIN_ONLY_CONFIG = ["Hostname", "MacAddress"];
/** HostConfig fields that publish main's ports: the planner decides the worker's. */
const MAIN_ONLY_HOST_CONFIG = ["PortBindings", "PublishAllPorts"];

/** Main's engine record for a worker: everything but what must differ, and a swap limit the engine derived from main's memory. */
function workerEngineRecord(main: MainContainer, input: WorkerContainerInput, memoryBytes: number | null): EngineRecord | undefined {
  if (!main.engine) return undefined;
  const config = { ...main.engine.config };
  const hostConfig = { ...main.engine.hostConfig };
  for (const k of MAIN_ONLY_CONFIG) delete config[k];
  for (const k of MAIN_ONLY_HOST_CONFIG) delete hostConfig[k];
  if ("Healthcheck" in config) config.Healthcheck = workerHealthcheck(config.Healthcheck, input.mainHttpPort, input.httpPort);
  // The engine sets swap to twice the memory limit when none is given: that is main's limit, not a choice.
  const mainMemory = main.resources.memoryBytes;
  if (mainMemory && memoryBytes !== mainMemory && hostConfig.MemorySwap === 2 * mainMemory) delete hostConfig.MemorySwap;
  return { config, hostConfig };
}

/** A network endpoint of main's for a worker: its own alias, main's links and driver options, no static address. */
function workerNetwork(n: MainContainer["networks"][number], aliases: string[]): ContainerSpec["networks"][number] {
  const { IPAMConfig: _static, ...endpoint } = n.endpoint ?? {};
  return { name: n.name, aliases, ...(Object.keys(endpoint).length > 0 ? { endpoint } : {}) };
}

export function workerContainerSpec(main: MainContainer, input: WorkerContainerInput): ContainerSpec {
  const spec = workerCatalogue[input.kind];
  const command = workerCommand(main, input.name, input.workerCommand);
  const limits = { ...spec.defaultResources, ...input.resources };
  const publish = input.publishHttpPorts !== false ? mainHttpPublish(main, input.mainHttpPort) : null;
  const labels: Record<string, string> = {
    [FLEET_WORKER_LABEL]: input.name,
    [FLEET_MANAGED_LABEL]: "true",
    ...(input.httpPort !== null ? traefikLabels(input.kind, input.httpPort, main, input.peers) : {}),
  };
  const resources = {
    nanoCpus: limits.cpus ? Math.round(limits.cpus * 1e9) : null,
    memoryBytes: limits.memoryMiB ? Math.round(limits.memoryMiB * 1024 * 1024) : null,
  };
  const engine = workerEngineRecord(main, input, resources.memoryBytes);
  return {
    name: workerContainerName(main, input.name),
    image: main.image,
    entrypoint: command.entrypoint,
    cmd: command.cmd,
    env: command.env,
    binds: [...main.binds],
    networks: main.networks.map((n, i) => workerNetwork(n, i === 0 ? [input.alias] : [])),
    labels,
    restartPolicy: main.restartPolicy,
    user: main.user,
    ports: publish && input.httpPort !== null && spec.resources.length > 0 ? [{ container: input.httpPort, host: input.httpPort, hostIp: publish.hostIp }] : [],
    resources,
    ...(engine ? { engine } : {}),
  };
}
