import type { CheckResult } from "@/lib/contract/diagnostics";
import type { InfraService, Route } from "@/lib/contract/topology";
import type { ContainerSpec } from "@/lib/synapse/plan-schema";
import type { HomeserverConfig } from "@/lib/synapse/config";
import type { Finding } from "@/lib/synapse/rules";
import type { ConnectionSettings } from "./connection-settings";
import type { ResolvedHost } from "./resolve-host";

/**
 * The shapes every check shares: what a check is, the context it reads (built once per run by
 * context.ts, faked in unit tests) and the error a check throws when it cannot run.
 */

export type CheckOutcome = Omit<CheckResult, "id" | "title" | "durationMs">;

export interface Check {
  id: string;
  title: string;
  run(ctx: DiagnosticsContext): Promise<CheckOutcome>;
}

/** A container as discovery saw it (a RuntimeUnit's fields the checks read). */
export interface UnitFacts {
  id: string;
  name: string;
  image: string;
  state: string;
  labels: Record<string, string>;
  argv: string[];
  env: Record<string, string> | null;
  networks: Array<{ name: string; ip: string }>;
}

/** A Synapse process as discovery saw it (a ProcessDraft's fields the checks read). */
export interface ProcessFacts {
  name: string;
  type: string;
  state: string;
  streams: string[];
  configFile: string | null;
  listeners: Array<{ port: number; type: string; resources: string[] }>;
  address: string | null;
  unit: UnitFacts | null;
}

export interface ScrapeTargetFacts {
  labels: Record<string, string>;
  health: "up" | "down" | "unknown";
  lastError: string;
  scrapeUrl: string;
}

/** What the checks ask Prometheus; both throw FleetError("unavailable", …, {reason}) when they cannot. */
export interface PrometheusReader {
  instantQuery(promql: string, opts?: { signal?: AbortSignal }): Promise<Array<{ labels: Record<string, string>; value: number }>>;
  scrapeTargets(opts?: { signal?: AbortSignal }): Promise<ScrapeTargetFacts[]>;
}

/** What the checks ask the engine about one container. */
export interface EngineReader {
  logsTail(id: string, lines: number): Promise<string[]>;
  stateOf(id: string): Promise<{ state: string; exitCode: number | null }>;
  specOf(id: string): Promise<Pick<ContainerSpec, "networks" | "resources" | "labels">>;
}

/**
 * The deployment's nginx entrypoint as discovery found it (the container labelled as its load
 * balancer, lib/synapse/plan-lb.ts): its config file as it is on disk and what `nginx -t` says of it.
 */
export interface LoadBalancerFacts {
  name: string;
  containerId: string;
  state: string;
  /** Relative to the config dir. */
  configFile: string;
  /** The file's text; null when it does not exist. */
  text: string | null;
  /** `nginx -t` on the file now; null when it was not run (the container is not running, or see checkError). */
  check: { ok: boolean; message: string } | null;
  /** Why `nginx -t` could not be run (exec failed or did not answer): nothing is known of the file's validity. */
  checkError: string | null;
}

export interface DiagnosticsOptions {
  /** How long main must have been hot (main-hot): 10 min; tests shorten it. */
  mainHotWindowSeconds: number;
  /** The window routing measures main's share of client requests over: 15 min. */
  routingWindowSeconds: number;
}

export const DEFAULT_OPTIONS: DiagnosticsOptions = { mainHotWindowSeconds: 600, routingWindowSeconds: 900 };

export interface DiagnosticsContext {
  serverName: string | null;
  /** homeserver.yaml parsed; null with hsError when it cannot be read. */
  hs: HomeserverConfig | null;
  hsError: string | null;
  /** homeserver.yaml's redis and database sections: secrets are only ever used to connect. */
  connections: ConnectionSettings | null;
  /** The config dir's files (homeserver.yaml, workers/*.yaml …); null with filesError. */
  files: Record<string, string> | null;
  filesError: string | null;
  processes: ProcessFacts[];
  services: Array<Pick<InfraService, "kind" | "name" | "state"> & { unit: UnitFacts }>;
  units: UnitFacts[];
  /** Traefik routes from the containers' labels (the entrypoint's routes, when there is no nginx one). */
  routes: Route[];
  /** The nginx entrypoint, when a container is labelled as one; null with loadBalancerError when it could not be read. */
  loadBalancer: LoadBalancerFacts | null;
  loadBalancerError: string | null;
  /** Set when the Docker Engine cannot be reached: the container lists are then empty. */
  dockerError: string | null;
  engine: EngineReader;
  prometheus: PrometheusReader;
  /** A host name of homeserver.yaml (as the containers see it) to an address the dashboard can reach. */
  resolveHost(host: string): Promise<ResolvedHost>;
  validate(files: Record<string, string>): Finding[];
  options: DiagnosticsOptions;
  /** Aborted when the check's 2 s are up. */
  signal: AbortSignal;
}

/** Thrown by a check that cannot run; the runner turns it into a warning that says why. */
export class CannotRun extends Error {
  constructor(why: string) {
    super(why);
    this.name = "CannotRun";
  }
}

export function pass(evidence: string[], process?: string): CheckOutcome {
  return { status: "pass", evidence, fix: null, ...(process ? { process } : {}) };
}

export function requireDocker(ctx: DiagnosticsContext): void {
  if (ctx.dockerError) throw new CannotRun(`the Docker Engine cannot be reached: ${ctx.dockerError}`);
}

export function running(ctx: DiagnosticsContext): ProcessFacts[] {
  return ctx.processes.filter((p) => p.state === "running");
}

export function mainProcess(ctx: DiagnosticsContext): ProcessFacts | null {
  return ctx.processes.find((p) => p.type === "main") ?? null;
}
