import { parse } from "yaml";
import { HOMESERVER_FILE, isWorkerFile } from "./deployment";

/** The log config paths (as the containers see them) that homeserver.yaml and the worker files name, by the file naming each. */
export function logConfigNames(files: Record<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [file, text] of Object.entries(files)) {
    if (file !== HOMESERVER_FILE && !isWorkerFile(file)) continue;
    let doc: unknown;
    try {
      doc = parse(text, { uniqueKeys: false });
    } catch {
      continue; // the validator says why
    }
    const value = (doc as Record<string, unknown> | null)?.[file === HOMESERVER_FILE ? "log_config" : "worker_log_config"];
    if (typeof value === "string" && value.length > 0 && value.length < 500) out.set(file, value);
  }
  return out;
}

export function logConfigsNamed(files: Record<string, string>): string[] {
  return [...new Set(logConfigNames(files).values())];
}

/**
 * Whether re-reading this log config on SIGHUP would break the process's logging: Synapse redirects
 * its stdout and stderr into its own logger, so a stream handler re-created on SIGHUP writes to the
 * redirected stream, and every line loops back as "logging during logging: …" (matrix-org/synapse#6550).
 * That is any StreamHandler on stdout or stderr (stderr when it names no stream). Such a process is
 * restarted instead. A file or other handler reloads cleanly.
 */
export function reloadLoopsLogging(logConfigText: string): boolean {
  let doc: unknown;
  try {
    doc = parse(logConfigText, { uniqueKeys: false });
  } catch {
    return false; // the validator refuses it anyway
  }
  const handlers = (doc as { handlers?: unknown } | null)?.handlers;
  if (!handlers || typeof handlers !== "object") return false;
  return Object.values(handlers as Record<string, unknown>).some((h) => {
    const { class: cls, stream } = (h ?? {}) as { class?: unknown; stream?: unknown };
    if (cls !== "logging.StreamHandler") return false;
    return stream === undefined || stream === null || stream === "ext://sys.stdout" || stream === "ext://sys.stderr";
  });
}

/** Whether a container path names the log config at `rel` in the config dir (it ends with it). */
export function namesLogConfig(containerPath: string, rel: string): boolean {
  return containerPath === rel || containerPath.endsWith(`/${rel}`);
}

/** A config-dir file that is neither homeserver.yaml, a worker file nor the targets: a log config. */
export function isLogConfigPath(path: string): boolean {
  return path !== HOMESERVER_FILE && !isWorkerFile(path) && path !== "prometheus/synapse-targets.json";
}
