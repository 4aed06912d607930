import "server-only";
import fs from "node:fs/promises";
import path from "node:path";
import { parseHomeserverConfig, parseWorkerConfig, type HomeserverConfig, type WorkerConfig } from "@/lib/synapse/config";

/** The Synapse config directory the dashboard manages (homeserver.yaml, workers/*.yaml). */
export function configDir(): string | null {
  const dir = process.env.SYNAPSE_CONFIG_DIR;
  return dir ? path.resolve(dir) : null;
}

export async function readHomeserver(dir: string): Promise<HomeserverConfig> {
  const file = path.join(dir, "homeserver.yaml");
  return parseHomeserverConfig(await fs.readFile(file, "utf8"), "homeserver.yaml");
}

export async function readWorkerFile(hostPath: string, display: string): Promise<WorkerConfig> {
  return parseWorkerConfig(await fs.readFile(hostPath, "utf8"), display);
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
