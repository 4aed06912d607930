import "server-only";
import fs from "node:fs/promises";
import path from "node:path";
import type { ProcessRunner } from "@/lib/docker/containers";
import { RuntimeRunner } from "@/lib/docker/runner";
import { UnsafeConfigPathError, kindOf, readConfigFile } from "@/lib/fs/safe";
import { FLEET_MANAGED_LABEL } from "@/lib/synapse/container-spec";
import { logConfigsNamed } from "@/lib/synapse/log-configs";
import type { DeploymentSnapshot } from "@/lib/synapse/plan-schema";
import { configDir } from "@/lib/topology/config-files";
import { discoverDrafts } from "@/lib/topology/discover";
import { captureLoadBalancer } from "./lb";

/**
 * The config files a snapshot keeps, relative to the config dir, read without following a link:
 * a link or a non-regular file where a config file belongs is an error naming it, never skipped.
 */
export async function snapshotFiles(dir: string): Promise<Record<string, string>> {
  const text = async (rel: string) => (await readConfigFile(dir, rel))?.data.toString("utf8") ?? null;
  const files: Record<string, string> = {};
  const hs = await text("homeserver.yaml");
  if (hs === null) throw new Error("homeserver.yaml is missing from the config directory");
  files["homeserver.yaml"] = hs;
  for (const name of await workerFileNames(dir)) {
    const rel = `workers/${name}`;
    const content = await text(rel);
    if (content !== null) files[rel] = content; // deleted since the listing: not part of the deployment now
  }
  const targets = await text("prometheus/synapse-targets.json");
  if (targets !== null) files["prometheus/synapse-targets.json"] = targets;
  for (const rel of await logConfigPaths(dir, files)) {
    const content = await text(rel);
    if (content !== null) files[rel] = content;
  }
  return files;
}

/**
 * The log configs homeserver.yaml (log_config) and the worker files (worker_log_config) name, as
 * paths inside the config dir. They are paths inside the containers; the shortest trailing part
 * of one that names a regular file in the config dir is taken (the lab's /data/log.config is
 * log.config). Keys and files that are links are never taken.
 */
export async function logConfigPaths(dir: string, files: Record<string, string>): Promise<string[]> {
  const out = new Set<string>();
  for (const named of logConfigsNamed(files)) {
    const parts = named.split("/").filter(Boolean);
    for (let i = parts.length - 1; i >= 0; i--) {
      const rel = parts.slice(i).join("/");
      if (parts.slice(i).some((s) => s === ".." || s === ".") || /\.(key|pem)$/.test(rel)) break;
      const st = await fs.lstat(path.join(dir, rel)).catch(() => null);
      if (st?.isFile()) {
        out.add(rel);
        break;
      }
    }
  }
  return [...out].sort();
}


/** The names of workers/*.yaml; the workers directory itself must not be a link. */
async function workerFileNames(dir: string): Promise<string[]> {
  const workers = path.join(dir, "workers");
  const st = await fs.lstat(workers).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return null;
    throw err;
  });
  if (!st) return [];
  if (!st.isDirectory()) throw new UnsafeConfigPathError("workers", `is ${kindOf(st)}, not a directory`);
  return (await fs.readdir(workers)).filter((n) => /\.ya?ml$/.test(n)).sort();
}

/** The deployment now: config files, every Synapse process with the spec to re-create it, used host ports. */
export async function captureSnapshot(runner: ProcessRunner = new RuntimeRunner()): Promise<DeploymentSnapshot> {
  const dir = configDir();
  if (!dir) throw new Error("SYNAPSE_CONFIG_DIR is not set: there is no deployment to change");
  const [files, discovered, usedHostPorts] = await Promise.all([snapshotFiles(dir), discoverDrafts(), runner.usedHostPorts()]);
  if (!discovered.docker.reachable) throw new Error(discovered.docker.error ?? "Docker Engine is unreachable");
  const processes = await Promise.all(
    discovered.drafts.map(async (d) => {
      const id = d.container?.id ?? null;
      const spec = id ? await runner.specOf(id) : null;
      return {
        name: d.name,
        type: d.type,
        state: d.state,
        configFile: d.configFile,
        container: spec && id ? { ...spec, id, managedByFleet: spec.labels[FLEET_MANAGED_LABEL] === "true" } : null,
      };
    }),
  );
  // The nginx entrypoint, when there is one: its config file is part of the deployment's files.
  const lb = await captureLoadBalancer(discovered.units, dir);
  if (lb?.text != null) files[lb.loadBalancer.configFile] = lb.text;
  return {
    takenAt: new Date().toISOString(),
    files,
    processes,
    usedHostPorts,
    ...(discovered.nodes ? { nodes: discovered.nodes } : {}),
    ...(lb ? { loadBalancer: lb.loadBalancer } : {}),
  };
}
