import { parseSynapseCommand } from "@/lib/synapse/command";
import { pass, requireDocker, type Check } from "./model";

/**
 * The official image's start.py runs `synapse.app.homeserver` unless SYNAPSE_WORKER says otherwise:
 * a worker container without SYNAPSE_WORKER=synapse.app.generic_worker starts a second main process
 * with the worker file on top of homeserver.yaml.
 */

export const WORKER_MODULE = "synapse.app.generic_worker";
const FLEET_WORKER_LABEL = "io.synapse-fleet.worker";

export const workerEnvCheck: Check = {
  id: "worker-env",
  title: "Official-image worker environment",
  async run(ctx) {
    requireDocker(ctx);
    const official = ctx.processes.filter((p) => p.unit && p.unit.argv.some((a) => /(^|\/)start\.py$/.test(a)) && p.unit.argv.includes("run"));
    if (official.length === 0) return pass(["no process runs the official image's start.py: SYNAPSE_WORKER does not apply"]);
    const evidence: string[] = [];
    const bad: string[] = [];
    for (const p of official) {
      const u = p.unit!;
      const env = u.env ?? {};
      const paths = parseSynapseCommand(u.argv, env)?.configPaths ?? [];
      const isWorker = paths.length > 1 || FLEET_WORKER_LABEL in u.labels || p.type !== "main";
      if (!isWorker) {
        evidence.push(`${u.name}: main (start.py run with homeserver.yaml only)`);
        continue;
      }
      const value = env.SYNAPSE_WORKER;
      if (value === WORKER_MODULE) {
        evidence.push(`${u.name}: SYNAPSE_WORKER=${WORKER_MODULE}`);
        continue;
      }
      bad.push(u.name);
      evidence.push(`${u.name}: runs start.py with worker file ${paths.at(-1) ?? "(label only)"} but SYNAPSE_WORKER is ${value === undefined ? "unset" : `"${value}"`}: start.py starts a main process`);
    }
    if (bad.length === 0) return pass(evidence);
    const proc = official.find((p) => p.unit!.name === bad[0]);
    return {
      status: "fail",
      evidence,
      fix: `Set SYNAPSE_WORKER=${WORKER_MODULE} in the environment of ${bad.join(", ")} and re-create the container${bad.length === 1 ? "" : "s"}.`,
      ...(proc ? { process: proc.name } : {}),
    };
  },
};
