import { isLogConfigPath } from "./log-configs";
import { HOMESERVER_FILE } from "./deployment";
import { lbStepsForRestore } from "./plan-lb";
import { errorsOf, validateDeployment } from "./rules";
import { healthTimeout, type PlanContext } from "./plan-context";
import { PlanError, type ContainerSpec, type DeploymentSnapshot, type FileChange, type Intent, type Plan, type Step } from "./plan-schema";

/**
 * Puts a recorded deployment back: its files exactly (created, changed, removed), the containers
 * it had (from its specs), none it did not have; what stays restarts when its config changed.
 */

type Process = DeploymentSnapshot["processes"][number];

/** Steps name main "main", whatever the snapshot calls its process. */
const named = (list: Process[]): Process[] => list.map((p) => (p.type === "main" ? { ...p, name: "main" } : p));

function specOf(p: Process): ContainerSpec {
  const { id: _id, managedByFleet: _managed, ...spec } = p.container!;
  return spec;
}

function fileChanges(current: Record<string, string>, target: Record<string, string>): FileChange[] {
  const paths = [...new Set([...Object.keys(current), ...Object.keys(target)])].sort();
  // Snapshots record every log config their files name; older ones kept only homeserver.yaml and
  // the worker files. So a log config the snapshot lacks was not named then — it goes, as the
  // worker that named it does — unless the snapshot records none at all: then it is left as it is.
  const recordsLogConfigs = Object.keys(target).some(isLogConfigPath);
  return (
    paths
      .filter((path) => path in target || !isLogConfigPath(path) || recordsLogConfigs)
      .map((path) => ({ path, before: current[path] ?? null, after: target[path] ?? null }))
      .filter((c) => c.before !== c.after)
  );
}

export function planRestore(intent: Extract<Intent, { kind: "restore" | "restore_workers" }>, ctx: PlanContext): Plan {
  const target = ctx.restoreTarget;
  if (!target) throw new PlanError("not_found", intent.kind === "restore_workers" ? "there is no rollback to undo" : "the snapshot to restore was not found");
  if (target.files[HOMESERVER_FILE] === undefined) throw new PlanError("invalid", "the snapshot to restore has no homeserver.yaml");
  const current = { ...ctx.snapshot, processes: named(ctx.snapshot.processes) };
  const past = { ...target, processes: named(target.processes) };
  // The entrypoint's file goes back through its own reload steps (below), never a bare write.
  const lbFile = ctx.snapshot.loadBalancer?.configFile ?? target.loadBalancer?.configFile;
  const files = fileChanges(current.files, target.files).filter((f) => f.path !== lbFile);
  const warnings: string[] = [];
  const byName = (list: Process[]) => new Map(list.map((p) => [p.name, p]));
  for (const f of errorsOf(validateDeployment(target.files))) warnings.push(`the restored config has a problem: ${f.file ?? "config"}: ${f.message}`);
  const now = byName(current.processes);
  const then = byName(past.processes);

  const gone = current.processes.filter((p) => p.container && !then.get(p.name)?.container);
  const back = past.processes.filter((p) => p.container && !now.get(p.name)?.container);
  const staying = past.processes.filter((p) => p.container && now.get(p.name)?.container);
  const hsChanged = files.some((f) => f.path === HOMESERVER_FILE);
  const changedPaths = new Set(files.map((f) => f.path));

  const lb = lbStepsForRestore(ctx.snapshot, target, new Set(gone.map((p) => p.name)));
  warnings.push(...lb.warnings);
  const steps: Step[] = lb.drain ? [lb.drain] : [];
  for (const p of gone) {
    if (p.state === "running") steps.push({ kind: "stop", process: p.name, reason: `${p.name} did not exist then` });
    steps.push({ kind: "remove_container", process: p.name, reason: `${p.name} did not exist then` });
    if (!p.container!.managedByFleet) warnings.push(`${p.name} was started by docker compose: compose may bring it back`);
  }
  if (files.length > 0) steps.push({ kind: "write_files", reason: `put back ${files.length} file${files.length === 1 ? "" : "s"} as they were` });
  for (const p of back) {
    // Snapshots taken before the engine record existed hold only the typed fields.
    if (!p.container!.engine) warnings.push(`${p.name} was recorded without its full container definition: it comes back without its healthcheck, hardening and other engine settings`);
    steps.push({ kind: "create_container", process: p.name, spec: specOf(p), reason: `recreate ${p.name} from its recorded spec` });
    if (p.state === "running") steps.push({ kind: "start", process: p.name, reason: `${p.name} was running then` });
  }

  const restarts: Plan["restarts"] = [];
  for (const p of staying) {
    const wasRunning = now.get(p.name)!.state === "running";
    const runs = p.state === "running";
    if (wasRunning && !runs) steps.push({ kind: "stop", process: p.name, reason: `${p.name} was stopped then` });
    else if (!wasRunning && runs) steps.push({ kind: "start", process: p.name, reason: `${p.name} was running then` });
    else if (runs && (hsChanged || (p.configFile !== null && changedPaths.has(p.configFile)))) {
      const reason = hsChanged ? "homeserver.yaml changed: every process re-reads it" : `${p.configFile} changed`;
      restarts.push({ process: p.name, reason });
    }
  }
  restarts.sort((a, b) => (a.process === "main" ? -1 : b.process === "main" ? 1 : a.process.localeCompare(b.process)));
  for (const r of restarts) steps.push({ kind: "restart", process: r.process, reason: r.reason });
  // A log config put back: the running processes that stay and are not restarted re-read it (SIGHUP).
  const logConfigs = files.filter((f) => isLogConfigPath(f.path) && f.after !== null).map((f) => f.path);
  if (logConfigs.length > 0) {
    const restarted = new Set(restarts.map((r) => r.process));
    for (const p of staying) {
      if (p.state === "running" && now.get(p.name)!.state === "running" && !restarted.has(p.name)) {
        steps.push({ kind: "reload", process: p.name, reason: `${logConfigs.join(", ")} put back: re-read the log config` });
      }
    }
  }
  const healthy = past.processes.filter((p) => p.container && p.state === "running").map((p) => p.name);
  if (healthy.length > 0) steps.push({ kind: "wait_healthy", processes: healthy, timeoutMs: healthTimeout(ctx), reason: "every process of the restored deployment answers /health" });
  if (lb.final) steps.push(lb.final);
  if (steps.length === 0) throw new PlanError("conflict", "the deployment already matches the snapshot");

  const label = intent.kind === "restore_workers" ? "Restore the workers from before the rollback" : `Restore the deployment ${intent.point} operation ${intent.operationId}`;
  const summary = `${label}: ${[back.length && `recreate ${back.map((p) => p.name).join(", ")}`, gone.length && `remove ${gone.map((p) => p.name).join(", ")}`, files.length && `${files.length} file${files.length === 1 ? "" : "s"}`].filter(Boolean).join(", ") || "states only"}`;
  return {
    intent,
    summary,
    files,
    steps,
    restarts,
    destructive: gone.length > 0 || restarts.length > 0 || files.some((f) => f.after === null),
    expected: past.processes.filter((p) => p.container && p.state === "running").map((p) => ({ name: p.name, type: p.type })),
    warnings,
  };
}
