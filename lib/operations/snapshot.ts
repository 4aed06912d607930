import "server-only";
import fs from "node:fs/promises";
import path from "node:path";
import { ContainerRunner, type ProcessRunner } from "@/lib/docker/containers";
import { FLEET_MANAGED_LABEL } from "@/lib/synapse/container-spec";
import type { DeploymentSnapshot } from "@/lib/synapse/plan-schema";
import { configDir } from "@/lib/topology/config-files";
import { discoverDrafts } from "@/lib/topology/discover";

/** The config files a snapshot keeps, relative to the config dir. */
export async function snapshotFiles(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  files["homeserver.yaml"] = await fs.readFile(path.join(dir, "homeserver.yaml"), "utf8");
  const workers = await fs.readdir(path.join(dir, "workers")).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [] as string[];
    throw err;
  });
  for (const name of workers.filter((n) => /\.ya?ml$/.test(n)).sort()) {
    files[`workers/${name}`] = await fs.readFile(path.join(dir, "workers", name), "utf8");
  }
  const targets = "prometheus/synapse-targets.json";
  try {
    files[targets] = await fs.readFile(path.join(dir, targets), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  return files;
}

/** The deployment now: config files, every Synapse process with the spec to re-create it, used host ports. */
export async function captureSnapshot(runner: ProcessRunner = new ContainerRunner()): Promise<DeploymentSnapshot> {
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
  return { takenAt: new Date().toISOString(), files, processes, usedHostPorts };
}
