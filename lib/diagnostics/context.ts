import "server-only";
import { ContainerRunner } from "@/lib/docker/containers";
import { snapshotFiles } from "@/lib/operations/snapshot";
import { instantQuery, scrapeTargets } from "@/lib/prometheus/client";
import { validateDeployment } from "@/lib/synapse/rules";
import { configDir } from "@/lib/topology/config-files";
import { discoverDrafts } from "@/lib/topology/discover";
import { routesFromLabels } from "@/lib/topology/routes";
import { connectionSettings, type ConnectionSettings } from "./connection-settings";
import { DEFAULT_OPTIONS, type DiagnosticsContext, type DiagnosticsOptions } from "./model";
import { resolveHost } from "./resolve-host";

/**
 * The deployment as the checks see it, read once per run: the engine's containers and discovery's
 * processes, the config dir's files, homeserver.yaml's connection settings, the Traefik routes, and
 * the readers for the engine and Prometheus.
 */
export async function buildContext(options: Partial<DiagnosticsOptions> = {}): Promise<Omit<DiagnosticsContext, "signal">> {
  const dir = configDir();
  const [d, filesResult] = await Promise.all([
    discoverDrafts(),
    dir ? snapshotFiles(dir).then((files) => ({ files, error: null }), (err: Error) => ({ files: null, error: err.message })) : Promise.resolve({ files: null, error: "SYNAPSE_CONFIG_DIR is not set" }),
  ]);
  let connections: ConnectionSettings | null = null;
  let hsError = d.warnings.find((w) => w.startsWith("homeserver.yaml:")) ?? (d.hs ? null : filesResult.error);
  const hsText = filesResult.files?.["homeserver.yaml"];
  if (hsText !== undefined) {
    try {
      connections = connectionSettings(hsText);
    } catch (err) {
      hsError = `homeserver.yaml does not parse: ${(err as Error).message.split("\n")[0]}`;
    }
  }
  const runner = new ContainerRunner();
  const anchor = d.drafts.find((p) => p.type === "main" && p.unit)?.unit ?? d.drafts.find((p) => p.unit)?.unit ?? null;
  return {
    serverName: d.hs?.serverName ?? null,
    hs: d.hs,
    hsError,
    connections,
    files: filesResult.files,
    filesError: filesResult.error,
    processes: d.drafts,
    services: d.services,
    units: d.units,
    routes: routesFromLabels(d.drafts),
    dockerError: d.docker.reachable ? null : (d.docker.error ?? "unreachable"),
    engine: {
      logsTail: (id, lines) => runner.logsTail(id, lines),
      stateOf: (id) => runner.stateOf(id),
      specOf: (id) => runner.specOf(id),
    },
    prometheus: { instantQuery, scrapeTargets },
    resolveHost: (host) => resolveHost(host, { anchor, units: d.units, aliasesOf: async (id) => (await runner.specOf(id)).networks }),
    validate: (files) => validateDeployment(files),
    options: { ...DEFAULT_OPTIONS, ...options },
  };
}

/** Values that must never appear in what a check reports, whatever its evidence quotes. */
export function secretsOf(connections: ConnectionSettings | null): string[] {
  return [connections?.redis.password, connections?.database.password].filter((s): s is string => typeof s === "string" && s.length > 0);
}
