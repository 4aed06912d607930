import "server-only";
import { RuntimeRunner } from "@/lib/docker/runner";
import type { RuntimeUnit } from "@/lib/docker/runtime";
import { captureLoadBalancer, nginxInContainer } from "@/lib/operations/lb";
import { snapshotFiles } from "@/lib/operations/snapshot";
import { instantQuery, scrapeTargets } from "@/lib/prometheus/client";
import { validateDeployment } from "@/lib/synapse/rules";
import { configDir } from "@/lib/topology/config-files";
import { discoverDrafts } from "@/lib/topology/discover";
import { routesFromLabels } from "@/lib/topology/routes";
import { connectionSettings, type ConnectionSettings } from "./connection-settings";
import { lbConfigFromLabels } from "@/lib/synapse/plan-lb";
import { DEFAULT_OPTIONS, type DiagnosticsContext, type DiagnosticsOptions, type LoadBalancerFacts } from "./model";
import { resolveHost } from "./resolve-host";

/**
 * The deployment as the checks see it, read once per run: the engine's containers and discovery's
 * processes, the config dir's files, homeserver.yaml's connection settings, the Traefik routes, the
 * nginx entrypoint (its file and `nginx -t`), and the readers for the engine and Prometheus.
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
  const lb = await readLoadBalancer(d.units, d.dir);
  const runner = new RuntimeRunner();
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
    loadBalancer: lb.facts,
    loadBalancerError: lb.error,
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

/** `nginx -t` gets part of the context's deadline (index.ts gives reading the deployment 2 s). */
const NGINX_TEST_TIMEOUT_MS = 1_000;

/**
 * The nginx entrypoint as the plans see it (captureLoadBalancer), with `nginx -t` bounded; an exec
 * that fails or does not answer is told apart from nginx refusing the file.
 */
async function readLoadBalancer(units: RuntimeUnit[], dir: string | null): Promise<{ facts: LoadBalancerFacts | null; error: string | null }> {
  if (!dir) {
    let labelled = false;
    try {
      labelled = units.some((u) => lbConfigFromLabels(u.labels) !== null);
    } catch (err) {
      return { facts: null, error: (err as Error).message };
    }
    return { facts: null, error: labelled ? "a container is labelled as the nginx entrypoint, but its config cannot be read without SYNAPSE_CONFIG_DIR" : null };
  }
  let checkError: string | null = null;
  const check = async (id: string) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`nginx -t did not answer within ${NGINX_TEST_TIMEOUT_MS / 1000} s`)), NGINX_TEST_TIMEOUT_MS);
    });
    try {
      return await Promise.race([nginxInContainer.check(id), late]);
    } catch (err) {
      checkError = (err as Error).message;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    const found = await captureLoadBalancer(units, dir, { check, reload: nginxInContainer.reload });
    if (!found) return { facts: null, error: null };
    const { name, containerId, state, configFile } = found.loadBalancer;
    return { facts: { name, containerId, state, configFile, text: found.text, check: checkError ? null : found.loadBalancer.check, checkError }, error: null };
  } catch (err) {
    return { facts: null, error: `the nginx entrypoint cannot be read: ${(err as Error).message}` };
  }
}

/** Values that must never appear in what a check reports, whatever its evidence quotes. */
export function secretsOf(connections: ConnectionSettings | null): string[] {
  return [connections?.redis.password, connections?.database.password].filter((s): s is string => typeof s === "string" && s.length > 0);
}
