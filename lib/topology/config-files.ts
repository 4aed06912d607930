import "server-only";
import fsSync from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { openConfigFile } from "@/lib/fs/safe";
import { parseHomeserverConfig, parseWorkerConfig, type HomeserverConfig, type WorkerConfig } from "@/lib/synapse/config";

/** The Synapse config directory the dashboard manages (homeserver.yaml, workers/*.yaml). */
export function configDir(): string | null {
  const dir = process.env.SYNAPSE_CONFIG_DIR;
  return dir ? path.resolve(dir) : null;
}

interface Cached<T> {
  /** The file's identity and version when it was parsed: device, inode, size, mtime, ctime. */
  version: string;
  value: T;
}
const parsed = new Map<string, Cached<unknown>>();
const MAX_CACHED = 10_000;

function versionOf(stats: { dev: number; ino: number; size: number; mtimeMs: number; ctimeMs: number }): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

/**
 * The parse from last time, if the name still leads to that very file, unchanged. An lstat,
 * synchronous on purpose: it is a metadata lookup of a local file (microseconds), where the safe
 * open below costs five threadpool round trips per file, per request. Same device and inode,
 * size, mtime and ctime (which no one can set back) mean the same bytes that passed the checks
 * when they were parsed; a link or another file at the name has another inode, so it misses.
 */
function unchanged<T>(key: string, file: string): T | undefined {
  const hit = parsed.get(key);
  if (!hit) return undefined;
  let stats: fsSync.Stats;
  try {
    stats = fsSync.lstatSync(file);
  } catch {
    return undefined;
  }
  return stats.isFile() && versionOf(stats) === hit.version ? (hit.value as T) : undefined;
}

/**
 * Reads and parses a config file once per version of it. Discovery reads homeserver.yaml and every
 * worker file per request: a version seen before costs one lstat (`unchanged`). Otherwise the file
 * is opened safely — never following a link at the last component, its real path inside `dir` —
 * and the descriptor's stat is the version the parse is kept under.
 */
async function readParsed<T>(dir: string, file: string, display: string, parse: (text: string) => T): Promise<T> {
  const key = `${dir}\0${file}`;
  const cached = unchanged<T>(key, file);
  if (cached !== undefined) return cached;
  const opened = await openConfigFile(dir, file, display);
  if (!opened) throw Object.assign(new Error(`${display} does not exist`), { code: "ENOENT" });
  try {
    const value = parse(await opened.handle.readFile("utf8"));
    if (parsed.size >= MAX_CACHED && !parsed.has(key)) parsed.clear();
    parsed.set(key, { version: versionOf(opened.stats), value });
    return value;
  } finally {
    await opened.handle.close();
  }
}

export async function readHomeserver(dir: string): Promise<HomeserverConfig> {
  return readParsed(dir, path.join(dir, "homeserver.yaml"), "homeserver.yaml", (text) => parseHomeserverConfig(text, "homeserver.yaml"));
}

/**
 * A worker file, reached through the container's bind mounts or the config dir (`hostPathOf`):
 * wherever the path leads, the file itself must lie inside the config dir.
 */
export async function readWorkerFile(hostPath: string, display: string, dir: string | null = configDir()): Promise<WorkerConfig> {
  if (!dir) throw new Error("SYNAPSE_CONFIG_DIR is not set: worker files are read only from inside the config directory");
  return readParsed(dir, hostPath, display, (text) => parseWorkerConfig(text, display));
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Maps a path inside a container to a path the dashboard can read: through the container's
 * bind mounts when their source is visible here, else relative to the config directory
 * (the dashboard itself may run in a container with the config dir mounted elsewhere).
 */
export async function hostPathOf(
  containerPath: string,
  mounts: Array<{ source: string; destination: string }>,
  mainConfigPath: string | null,
  dir: string | null,
): Promise<string | null> {
  // A container's mounts never change, so a path that resolved once resolves the same way again.
  const memoKey = JSON.stringify([containerPath, mounts, mainConfigPath, dir]);
  const memo = resolved.get(memoKey);
  if (memo) return memo;
  const found = await resolveHostPath(containerPath, mounts, mainConfigPath, dir);
  if (found && resolved.size < 10_000) resolved.set(memoKey, found);
  return found;
}

const resolved = new Map<string, string>();

async function resolveHostPath(
  containerPath: string,
  mounts: Array<{ source: string; destination: string }>,
  mainConfigPath: string | null,
  dir: string | null,
): Promise<string | null> {
  const mount = mounts
    .filter((m) => containerPath === m.destination || containerPath.startsWith(m.destination.replace(/\/$/, "") + "/"))
    .sort((a, b) => b.destination.length - a.destination.length)[0];
  if (mount) {
    const candidate = path.join(mount.source, path.relative(mount.destination, containerPath));
    if (await exists(candidate)) return candidate;
  }
  if (dir && mainConfigPath) {
    const rel = path.relative(path.dirname(mainConfigPath), containerPath);
    if (!rel.startsWith("..")) return path.join(dir, rel);
  }
  return null;
}
