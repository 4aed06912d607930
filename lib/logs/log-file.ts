import "server-only";
import fs from "node:fs/promises";
import path from "node:path";
import YAML from "yaml";
import { isInside, openConfigFile } from "@/lib/fs/safe";
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
  const ownConfig = await readYaml(dir, ownFile, draft.type === "main" ? "homeserver.yaml" : (draft.configFile ?? "the worker file"));
  const logConfigPath = ownConfig?.[draft.type === "main" ? "log_config" : "worker_log_config"];
  if (typeof logConfigPath !== "string") return { kind: "console" };
  const logConfigHost = await hostPathOf(logConfigPath, draft.unit.mounts, mainConfig, dir);
  if (!logConfigHost) return { kind: "console" };
  const logging = (await readYaml(dir, logConfigHost, `log config ${logConfigPath}`)) as LoggingConfig | null;
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

/**
 * The real path of `file` when it is inside `dir` (symlinks resolved, on both); else null. Only a
 * first judgement: the tail opens the file without following a link and checks its descriptor.
 */
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
  return isInside(realDir, real) ? real : null;
}

/**
 * A YAML file of the config dir, opened without following a link and only inside the dir (a parse
 * error could otherwise show a host file's lines); null when it does not exist.
 */
async function readYaml(dir: string, file: string, display: string): Promise<Record<string, unknown> | null> {
  const opened = await openConfigFile(dir, file, display);
  if (!opened) return null;
  try {
    const v = YAML.parse(await opened.handle.readFile("utf8")) as unknown;
    return v && typeof v === "object" ? (v as Record<string, unknown>) : null;
  } finally {
    await opened.handle.close();
  }
}
