/** What a container's command line says about the Synapse process inside it. */
export interface SynapseCommand {
  app: "synapse.app.homeserver" | "synapse.app.generic_worker";
  /** Every --config-path / -c argument, in order, as paths inside the container. */
  configPaths: string[];
}

const APP_RE = /synapse\.app\.(homeserver|generic_worker|[a-z_]+)\b/;

/**
 * Recognises Synapse in a container's entrypoint + command + environment:
 * `python -m synapse.app.X`, Debian's `synapse_worker`/`synapse_homeserver`, and the
 * official image's `/start.py run …` whose module comes from SYNAPSE_WORKER.
 */
export function parseSynapseCommand(argv: string[], env: Record<string, string> = {}): SynapseCommand | null {
  const configPaths: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--config-path" || a === "-c") {
      if (argv[i + 1] !== undefined) configPaths.push(argv[++i]);
    } else if (a.startsWith("--config-path=")) configPaths.push(a.slice("--config-path=".length));
  }
  const joined = argv.join(" ");
  let appModule: string | null = null;
  const m = APP_RE.exec(joined);
  if (m) appModule = m[0];
  else if (argv.some((a) => /(^|\/)synapse_worker$/.test(a))) appModule = "synapse.app.generic_worker";
  else if (argv.some((a) => /(^|\/)(synapse_homeserver|synctl)$/.test(a))) appModule = "synapse.app.homeserver";
  else if (argv.some((a) => /(^|\/)start\.py$/.test(a)) && argv.includes("run")) {
    appModule = env.SYNAPSE_WORKER || "synapse.app.homeserver";
    if (configPaths.length === 0) configPaths.push(env.SYNAPSE_CONFIG_PATH || "/data/homeserver.yaml");
  }
  if (!appModule) return null;
  // Any worker app (the old per-type apps included) runs the generic worker code today.
  const app = appModule === "synapse.app.homeserver" ? "synapse.app.homeserver" : "synapse.app.generic_worker";
  return { app, configPaths };
}

/** Splits `KEY=value` entries of a container's Env into a record. */
export function envRecord(env: string[] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env ?? []) {
    const i = e.indexOf("=");
    if (i > 0) out[e.slice(0, i)] = e.slice(i + 1);
  }
  return out;
}
