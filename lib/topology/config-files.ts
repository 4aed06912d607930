import "server-only";
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
  key: string;
  value: T;
}
const parsed = new Map<string, Cached<unknown>>();

/**
 * Reads and parses a config file once per version of it: the stat (mtime, size, inode) of the
 * descriptor decides whether the parse from last time still holds. Discovery reads every worker
 * file per request, so the file is opened once and only read when it changed. The open never
 * follows a link at the last component and the file's real path must lie inside `dir`.
 */
async function readParsed<T>(dir: string, file: string, display: string, parse: (text: string) => T): Promise<T> {
  const opened = await openConfigFile(dir, file, display);
  if (!opened) throw Object.assign(new Error(`${display} does not exist`), { code: "ENOENT" });
  try {
    const { stats } = opened;
    const key = `${stats.mtimeMs}:${stats.size}:${stats.ino}:${opened.realPath}`;
    const hit = parsed.get(file);
    if (hit && hit.key === key) return hit.value as T;
    const value = parse(await opened.handle.readFile("utf8"));
    parsed.set(file, { key, value });
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
