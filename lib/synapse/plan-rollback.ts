import { HOMESERVER_FILE, isWorkerFile, mainHost, TARGETS_FILE } from "./deployment";
import { healthTimeout, type PlanContext } from "./plan-context";
import { applyFileChanges, refuseNewErrors, startDraft } from "./plan-draft";
import { isLogConfigPath, logConfigNames, namesLogConfig } from "./log-configs";
import { lbStepsForWorkers } from "./plan-lb";
import { renderEdited } from "./config-edit";
import { metricsListener } from "./config";
import { PlanError, type FileChange, type Intent, type Plan, type Step } from "./plan-schema";
import { mainTargetEntry, parseTargets, renderTargets, TargetsParseError } from "./prometheus-targets";

/** Back to one process: every worker goes, main takes back every stream and media (the lab's verified recipe). */

const workerKeys = [
  "instance_map",
  "stream_writers",
  "federation_sender_instances",
  "media_instance_running_background_jobs",
  "pusher_instances",
  "update_user_directory_from_worker",
  "notify_appservices_from_worker",
  "run_background_tasks_on",
];

function mainOnlyTargets(ctx: PlanContext, warnings: string[]): string | null {
  const text = ctx.snapshot.files[TARGETS_FILE];
  if (text === undefined) return null;
  try {
    const mine = parseTargets(text).filter((e) => e.labels.worker === "main");
    if (mine.length > 0) return renderTargets(mine);
  } catch (err) {
    if (!(err instanceof TargetsParseError)) throw err;
    warnings.push(`${err.message}: rewritten with main only`);
  }
  return null;
}

/**
 * Log configs only worker files name (a worker's own, e.g. one that logs to a file): they go with
 * the worker files. Left behind, no file of the single-process deployment would name them, its
 * snapshot would not hold them, and a restore could not tell its own file from an operator's.
 */
function workerOnlyLogConfigs(files: Record<string, string>): string[] {
  const names = [...logConfigNames(files)];
  return Object.keys(files)
    .filter(isLogConfigPath)
    .filter((rel) => {
      const namers = names.filter(([, named]) => namesLogConfig(named, rel)).map(([file]) => file);
      return namers.length > 0 && namers.every(isWorkerFile);
    })
    .sort();
}

export function planRollback(intent: Intent, ctx: PlanContext): Plan {
  const draft = startDraft(ctx);
  const { dep } = draft;
  const doc = draft.hs;
  for (const key of workerKeys) doc.delete(key);
  if (doc.get("enable_media_repo") === false) doc.set("enable_media_repo", true);
  const hsAfter = renderEdited(dep.hsText, doc);
  const workerFiles = Object.keys(ctx.snapshot.files).filter(isWorkerFile);
  const withContainer = dep.workers.filter((w) => w.process?.container);
  if (hsAfter === dep.hsText && workerFiles.length === 0 && withContainer.length === 0)
    throw new PlanError("conflict", "the deployment already runs as a single process");

  const files: FileChange[] = [];
  if (hsAfter !== dep.hsText) files.push({ path: HOMESERVER_FILE, before: dep.hsText, after: hsAfter });
  for (const path of workerFiles.sort()) files.push({ path, before: ctx.snapshot.files[path], after: null });
  for (const path of workerOnlyLogConfigs(ctx.snapshot.files)) files.push({ path, before: ctx.snapshot.files[path], after: null });
  const targets = ctx.snapshot.files[TARGETS_FILE];
  if (targets !== undefined) {
    const metrics = metricsListener(dep.hs.listeners);
    const after = mainOnlyTargets(ctx, draft.warnings) ?? renderTargets(metrics ? [mainTargetEntry(mainHost(dep), metrics.port)] : []);
    if (after !== targets) files.push({ path: TARGETS_FILE, before: targets, after });
  }
  refuseNewErrors(ctx.snapshot.files, applyFileChanges(ctx.snapshot.files, files));

  // The entrypoint sends everything to main before the workers stop.
  const lb = lbStepsForWorkers(dep, [], [], dep.workers);
  draft.warnings.push(...lb.warnings);
  const steps: Step[] = lb.drain ? [lb.drain] : [];
  for (const w of withContainer) {
    if (w.process!.state === "running") steps.push({ kind: "stop", process: w.name, reason: `stop ${w.name}: main takes its work back` });
    steps.push({ kind: "remove_container", process: w.name, reason: `remove ${w.name}'s container` });
    if (!w.process!.container!.managedByFleet)
      draft.warnings.push(`${w.name} was started by docker compose: remove its service from your compose file, or \`docker compose up\` brings it back`);
  }
  steps.push({ kind: "write_files", reason: "drop the worker keys from homeserver.yaml, serve media on main, remove the worker files" });
  const restarts = dep.main?.container ? [{ process: "main", reason: "main takes back every stream, federation sending and media" }] : [];
  if (restarts.length > 0) {
    steps.push({ kind: "restart", process: "main", reason: restarts[0].reason });
    steps.push({ kind: "wait_healthy", processes: ["main"], timeoutMs: healthTimeout(ctx), reason: "main answers /health" });
  } else draft.warnings.push("main has no container: start it yourself to apply the single-process config");
  if (lb.final) steps.push(lb.final);
  return {
    intent,
    summary: `Roll back to a single process: remove ${dep.workers.length} worker${dep.workers.length === 1 ? "" : "s"}, main serves everything`,
    files,
    steps,
    restarts,
    destructive: true,
    expected: dep.main ? [{ name: "main", type: "main" }] : [],
    warnings: [...new Set(draft.warnings)],
  };
}
