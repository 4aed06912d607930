import "server-only";
import fs from "node:fs/promises";
import path from "node:path";
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
 * Reads and parses a config file once per version of it: a stat (mtime, size, inode) decides
 * whether the parse from last time still holds. Discovery reads every worker file per request.
 */
async function readParsed<T>(file: string, parse: (text: string) => T): Promise<T> {
  const st = await fs.stat(file);
  const key = `${st.mtimeMs}:${st.size}:${st.ino}`;
  const hit = parsed.get(file);
  if (hit && hit.key === key) return hit.value as T;
  const value = parse(await fs.readFile(file, "utf8"));
  parsed.set(file, { key, value });
  return value;
}

export async function readHomeserver(dir: string): Promise<HomeserverConfig> {
  return readParsed(path.join(dir, "homeserver.yaml"), (text) => parseHomeserverConfig(text, "homeserver.yaml"));
}

export async function readWorkerFile(hostPath: string, display: string): Promise<WorkerConfig> {
  return readParsed(hostPath, (text) => parseWorkerConfig(text, display));
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
