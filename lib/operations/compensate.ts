import "server-only";
import type { ContainerSpec, DeploymentSnapshot } from "@/lib/synapse/plan-schema";
import { waitHealthy, type ExecutionState, type ExecutorDeps, type StepRecord } from "./state";
import { restoreFiles } from "./files";
import { lbTouched, reloadRestoredLb, restoreLbConfig, type LbDeps } from "./lb";

const DEFAULT_HEALTH_TIMEOUT_MS = 120_000;

type SnapshotProcess = DeploymentSnapshot["processes"][number];

function specOnly(c: NonNullable<SnapshotProcess["container"]>): ContainerSpec {
  const { id: _id, managedByFleet: _managed, ...spec } = c;
  return spec;
}

/**
 * Undoes what a failed operation did, so the deployment is again what the snapshot shows:
 *   1. config files back byte for byte (files the plan created are deleted), the load balancer's
 *      too, which then checks and reloads it (`nginx -t`, `nginx -s reload`),
 *   2. containers it created removed,
 *   3. containers it removed re-created from their snapshot spec (and started if they ran),
 *   4. processes it started stopped again, then processes it stopped started again,
 *   5. processes that loaded the new config restarted onto the old one, and those that only
 *      re-read their log config told to re-read the restored one,
 *   6. a wait until every process that ran before answers its health check.
 * Each undo step is recorded like a plan step. It carries on past a failing undo step and
 * returns what went wrong (null: everything was put back).
 */
export async function compensate(state: ExecutionState, deps: ExecutorDeps & LbDeps): Promise<string | null> {
  const changedNothing =
    state.backups.length === 0 && state.created.size === 0 && state.removed.size === 0 && state.lastAction.size === 0 && state.reloaded.size === 0 && !lbTouched(state);
  if (changedNothing) return null;
  const problems: string[] = [];
  const undo = async (kind: string, target: string | null, reason: string, fn: () => Promise<string | null | void>) => {
    const rec: StepRecord = {
      index: state.records.length, kind, target, reason: `undo: ${reason}`, status: "running", startedAt: new Date().toISOString(), finishedAt: null, message: null,
    };
    state.records.push(rec);
    await deps.onStep({ ...rec });
    try {
      rec.message = (await fn()) ?? null;
      rec.status = "succeeded";
    } catch (err) {
      rec.message = (err as Error).message;
      rec.status = "failed";
      problems.push(`${kind}${target ? ` ${target}` : ""}: ${rec.message}`);
    }
    rec.finishedAt = new Date().toISOString();
    await deps.onStep({ ...rec });
    return rec.status === "succeeded";
  };

  if (state.backups.length > 0) {
    await undo("write_files", null, "put the config files back as they were", async () => {
      await restoreFiles(deps.dir, state.backups, state.createdDirs);
      return `${state.backups.length} file(s) restored`;
    });
  }

  // nginx resolves the names in its config as it loads it, and the restored file names the workers
  // that ran before: it is loaded once the removed and stopped ones run again, else at once (before
  // the created ones go, so nginx never routes to a container that is gone).
  const lbRestored = await restoreLbConfig(state, deps, undo);
  const reloadLate = state.removed.size > 0 || [...state.lastAction.values()].includes("stop");
  if (lbRestored && !reloadLate) await reloadRestoredLb(state, deps, undo);

  for (const [name, id] of [...state.created]) {
    if (await undo("remove_container", name, "remove the container this operation created", () => deps.runner.remove(id, true))) state.created.delete(name);
  }

  const wasRunning = (p: SnapshotProcess) => p.state === "running";
  const snapshotProcesses = state.snapshot.processes.filter((p) => p.container);

  for (const p of snapshotProcesses.filter((p) => state.removed.has(p.name))) {
    const recreated = await undo("create_container", p.name, "re-create the removed container from the snapshot", async () => {
      const id = await deps.runner.create(specOnly(p.container!));
      // From here on the process name means the re-created container.
      state.removed.delete(p.name);
      state.created.set(p.name, id);
      return `container ${p.container!.name}`;
    });
    if (recreated && wasRunning(p)) await undo("start", p.name, "start the re-created container", () => deps.runner.start(state.created.get(p.name)!));
  }

  const touched = snapshotProcesses.filter((p) => state.lastAction.has(p.name) && !state.created.has(p.name) && !state.removed.has(p.name));
  const runsNow = (p: SnapshotProcess) => state.lastAction.get(p.name) !== "stop";
  // Stops first: what should not run gives back its ports and memory before the others start.
  for (const p of touched.filter((p) => !wasRunning(p) && runsNow(p))) {
    await undo("stop", p.name, "stop the process this operation started", () => deps.runner.stop(p.container!.id, deps.stopTimeoutS));
  }
  for (const p of touched.filter((p) => wasRunning(p) && !runsNow(p))) {
    await undo("start", p.name, "start the process this operation stopped", () => deps.runner.start(p.container!.id));
  }
  if (lbRestored && reloadLate) await reloadRestoredLb(state, deps, undo);
  for (const p of touched.filter((p) => wasRunning(p) && runsNow(p) && state.loadedNewConfig.has(p.name))) {
    await undo("restart", p.name, "restart onto the restored config", () => deps.runner.restart(p.container!.id, deps.stopTimeoutS));
  }

  for (const p of snapshotProcesses.filter((p) => state.reloaded.has(p.name) && wasRunning(p) && !state.loadedNewConfig.has(p.name) && runsNow(p))) {
    await undo("reload", p.name, "re-read the restored log config", () => deps.runner.signal(p.container!.id, "SIGHUP"));
  }

  const previous = snapshotProcesses.filter(wasRunning).map((p) => p.name);
  if (previous.length > 0) {
    const timeouts = state.plan.steps.flatMap((s) => (s.kind === "wait_healthy" ? [s.timeoutMs] : []));
    const timeoutMs = timeouts.length ? Math.max(...timeouts) : DEFAULT_HEALTH_TIMEOUT_MS;
    await undo("wait_healthy", previous.join(", "), "wait until the processes that ran before are healthy", async () => {
      const started = Date.now();
      await waitHealthy(state, deps, previous, timeoutMs);
      return `healthy after ${((Date.now() - started) / 1000).toFixed(1)} s`;
    });
  }
  return problems.length ? problems.join("; ") : null;
}
