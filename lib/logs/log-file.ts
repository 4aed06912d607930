import "server-only";
import fs from "node:fs/promises";
import path from "node:path";
import YAML from "yaml";
import type { ProcessDraft } from "@/lib/topology/discover";
import { hostPathOf } from "@/lib/topology/config-files";
import { parseSynapseCommand } from "@/lib/synapse/command";

/** Where a process's log goes: the console (the engine's log), or a file the dashboard may tail. */
export type LogDestination = { kind: "console"; note?: string } | { kind: "file"; path: string };

type LoggingConfig = { handlers?: Record<string, Record<string, unknown>>; root?: { handlers?: string[] }; loggers?: Record<string, { handlers?: string[] }> };

/**
 * Follows the process's log config (worker_log_config / log_config): when its root logger writes
 * only to a file, that file — if it lies inside the config dir once symlinks are resolved.
 * Anything else, or a file outside, is read from the console with a note saying why.
 */
export async function logDestinationOf(draft: ProcessDraft, dir: string | null): Promise<LogDestination> {
  if (!dir || !draft.unit) return { kind: "console" };
  const cmd = parseSynapseCommand(draft.unit.argv, draft.unit.env ?? {});
  const mainConfig = cmd?.configPaths[0] ?? null;
  const ownFile = draft.type === "main" ? path.join(dir, "homeserver.yaml") : draft.configFile ? path.resolve(dir, draft.configFile) : null;
  if (!ownFile) return { kind: "console" };
  const ownConfig = await readYaml(ownFile);
  const logConfigPath = ownConfig?.[draft.type === "main" ? "log_config" : "worker_log_config"];
  if (typeof logConfigPath !== "string") return { kind: "console" };
  const logConfigHost = await hostPathOf(logConfigPath, draft.unit.mounts, mainConfig, dir);
  if (!logConfigHost) return { kind: "console" };
  const logging = (await readYaml(logConfigHost)) as LoggingConfig | null;
  const filename = fileOnlyTarget(logging);
  if (!filename) return { kind: "console" };
  if (!path.isAbsolute(filename)) return { kind: "console", note: `log file ${filename} is relative to the process's working directory: not tailed` };
  const host = await hostPathOf(filename, draft.unit.mounts, mainConfig, dir);
  if (!host) return { kind: "console", note: `log file ${filename} is not visible to the dashboard` };
  const inside = await insideDir(host, dir);
  if (!inside) return { kind: "console", note: `log file ${filename} lies outside the config directory: refused` };
  return { kind: "file", path: inside };
}

/** The file the root logger writes to, when it writes to no console stream. */
export function fileOnlyTarget(logging: LoggingConfig | null): string | null {
  const names = logging?.root?.handlers ?? logging?.loggers?.synapse?.handlers ?? [];
  let file: string | null = null;
  for (const name of names) {
    const h = logging?.handlers?.[name];
    if (!h) continue;
    if (typeof h.filename === "string") file ??= h.filename;
    else if (typeof h.class === "string" && h.class.endsWith("StreamHandler")) return null; // it logs to the console too
  }
  return file;
}

/** The real path of `file` when it is inside `dir` (symlinks resolved, on both); else null. */
export async function insideDir(file: string, dir: string): Promise<string | null> {
  const realDir = await fs.realpath(dir);
  let real: string;
  try {
    real = await fs.realpath(file);
  } catch {
    // Not written yet: judge the directory it will be written in.
    try {
      real = path.join(await fs.realpath(path.dirname(file)), path.basename(file));
    } catch {
      return null;
    }
  }
  const rel = path.relative(realDir, real);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? real : null;
}

async function readYaml(file: string): Promise<Record<string, unknown> | null> {
  try {
    const v = YAML.parse(await fs.readFile(file, "utf8")) as unknown;
    return v && typeof v === "object" ? (v as Record<string, unknown>) : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}
