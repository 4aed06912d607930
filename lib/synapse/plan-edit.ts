import { parse, parseDocument } from "yaml";
import { parseHomeserverConfig, parseWorkerConfig, type WorkerConfig } from "./config";
import { HOMESERVER_FILE, isRunning, readDeployment, TARGETS_FILE } from "./deployment";
import { fileVersion } from "./file-version";
import { healthTimeout, type PlanContext } from "./plan-context";
import { applyFileChanges } from "./plan-draft";
import { followPortChange } from "./plan-edit-ports";
import { lbStepsForEdit } from "./plan-lb";
import { restartsFor } from "./plan-restarts";
import { ConfigFindingsError, PlanError, type FileChange, type Intent, type Plan, type Step } from "./plan-schema";
import { errorsOf, validateDeployment } from "./rules";
import { DUTY_KEYS } from "./rules-duties";
import { isLogConfigPath, logConfigNames, namesLogConfig, reloadLoopsLogging } from "./log-configs";
import { unmaskSecrets } from "./secrets-unmask";

type EditIntent = Extract<Intent, { kind: "edit_files" }>;

// The homeserver.yaml keys whose effect restartsFor knows; a change to any other key reaches
// every process, since each one loads homeserver.yaml (a worker left on an old Redis or
// database password is worse than a restart).
const KEYS_WITH_KNOWN_RESTARTS = new Set(["stream_writers", "instance_map", "listeners", "redis", "enable_media_repo", ...DUTY_KEYS]);

function topLevel(text: string): Record<string, unknown> {
  const v = parse(text, { uniqueKeys: false }) as unknown;
  return v && typeof v === "object" ? (v as Record<string, unknown>) : {};
}

function otherKeysChanged(before: string, after: string): string[] {
  const a = topLevel(before);
  const b = topLevel(after);
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => !KEYS_WITH_KNOWN_RESTARTS.has(k) && JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
}

/** A log config must be one YAML mapping with `version: 1` (Python's logging.config.dictConfig). */
function logConfigErrors(f: FileChange): Array<{ rule: string; level: "error"; file: string; line: number; message: string }> {
  if (!isLogConfigPath(f.path) || f.after === null) return [];
  const doc = parseDocument(f.after, { uniqueKeys: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    return [{ rule: "yaml-syntax", level: "error", file: f.path, line: e.linePos?.[0].line ?? 1, message: e.message.split("\n")[0] }];
  }
  const v = doc.toJS() as unknown;
  if (!v || typeof v !== "object" || Array.isArray(v) || (v as Record<string, unknown>).version !== 1) {
    return [{ rule: "not-a-mapping", level: "error", file: f.path, line: 1, message: `${f.path} must be a mapping with version: 1 (Python logging's dictConfig)` }];
  }
  return [];
}

function portsOf(w: WorkerConfig): string {
  return JSON.stringify(w.listeners.map((l) => [l.type, l.port]));
}

/**
 * Saves edited config files: each must be edited on the version on disk now (else "stale"),
 * secrets left masked are put back from the disk, and the result must pass the validator (else
 * ConfigFindingsError). Then the processes that read what changed restart, as the Workers Guide
 * requires, and the plan waits until they answer.
 */
export function planEditFiles(intent: EditIntent, ctx: PlanContext): Plan {
  const edits = ctx.edits ?? {};
  const dep = readDeployment(ctx.snapshot);
  const files: FileChange[] = [];
  const stale: Record<string, string> = {};
  const unmaskFindings = [];
  for (const { path, baseVersion } of intent.files) {
    if (path === TARGETS_FILE) throw new PlanError("invalid", `${path} is written by the dashboard's plans; it is read-only here`);
    const before = ctx.snapshot.files[path];
    if (before === undefined) throw new PlanError("not_found", `${path} is not a config file the dashboard manages`);
    const current = fileVersion(before);
    if (baseVersion !== current) stale[path] = current;
    const edited = edits[path];
    if (edited === undefined) throw new PlanError("invalid", `no content was given for ${path}`);
    const { text, findings } = unmaskSecrets(edited, before, path);
    unmaskFindings.push(...findings);
    if (text !== before) files.push({ path, before, after: text });
  }
  if (Object.keys(stale).length > 0) {
    throw new PlanError("stale", `${Object.keys(stale).join(", ")} changed since it was opened; reload it and apply the edit again`, { current: stale });
  }
  if (unmaskFindings.length > 0) throw new ConfigFindingsError(unmaskFindings);

  const after = applyFileChanges(ctx.snapshot.files, files);
  const edited = new Set(files.map((f) => f.path));
  const errors = [...errorsOf(validateDeployment(after)).filter((f) => edited.has(f.file)), ...files.flatMap(logConfigErrors)];
  if (errors.length > 0) throw new ConfigFindingsError(errors);

  const restart = new Map<string, string[]>();
  const add = (name: string, reason: string) => restart.set(name, [...(restart.get(name) ?? []), reason]);
  const warnings: string[] = [];
  let together: Array<{ key: string; members: string[]; reason: string }> = [];
  const reload = new Map<string, string>();
  const extraFiles: FileChange[] = [];
  const preSteps: Step[] = [];
  const postSteps: Step[] = [];
  const recreated = new Set<string>();
  for (const f of files) {
    if (isLogConfigPath(f.path)) {
      // Synapse re-reads its log config on SIGHUP: the processes that name this one reload, nothing
      // restarts — unless the config logs to the console, which a reload breaks: those restart.
      const loops = f.after !== null && reloadLoopsLogging(f.after);
      for (const [file, named] of logConfigNames(after)) {
        if (!namesLogConfig(named, f.path)) continue;
        const name = file === HOMESERVER_FILE ? "main" : dep.workers.find((w) => w.file === file)?.name;
        if (!name) continue;
        if (loops) add(name, `${f.path} changed: it logs to the console, which Synapse cannot re-read on SIGHUP without looping its output back into its log (matrix-org/synapse#6550)`);
        else reload.set(name, `${f.path} changed: ${name} re-reads its log config (SIGHUP)`);
      }
      continue;
    }
    if (f.path === HOMESERVER_FILE) {
      const set = restartsFor({ before: dep.hs, after: parseHomeserverConfig(f.after!), hsChanged: true, staying: dep.workers.map((w) => w.name) });
      for (const [name, reasons] of set.restart) for (const r of reasons) add(name, r);
      together = set.together;
      const others = otherKeysChanged(f.before!, f.after!);
      if (others.length > 0) {
        const reason = `homeserver.yaml changed (${others.slice(0, 5).join(", ")}${others.length > 5 ? ", …" : ""}): every process loads it`;
        for (const name of ["main", ...dep.workers.map((w) => w.name)]) add(name, reason);
      }
      continue;
    }
    const worker = dep.workers.find((w) => w.file === f.path);
    const beforeW = parseWorkerConfig(f.before!, f.path);
    const afterW = parseWorkerConfig(f.after!, f.path);
    if (beforeW.workerName !== afterW.workerName) {
      throw new PlanError("invalid", `${f.path}: worker_name cannot change here (a rename is a remove and an add)`);
    }
    if (worker && portsOf(beforeW) !== portsOf(afterW)) {
      const follow = followPortChange(dep, worker, beforeW, afterW, ctx.snapshot.files[TARGETS_FILE], ctx.snapshot.usedHostPorts);
      if (follow.targets) extraFiles.push(follow.targets);
      warnings.push(...follow.warnings);
      if (follow.recreate) {
        recreated.add(worker.name);
        preSteps.push(...follow.recreate.before);
        postSteps.push(...follow.recreate.after);
        continue;
      }
    }
    if (worker) add(worker.name, `${f.path} changed`);
    else warnings.push(`${f.path} belongs to no running worker: it is read when one starts with it`);
  }

  const running = new Set([...(isRunning(dep.main) ? ["main"] : []), ...dep.workers.filter((w) => isRunning(w.process)).map((w) => w.name)]);
  const skip = (name: string) => {
    if (running.has(name)) return false;
    warnings.push(`${name} is not running: it reads the new config when it is next started`);
    return true;
  };
  const groups = together.map((g) => ({ ...g, members: g.members.filter((m) => !skip(m)) })).filter((g) => g.members.length > 0);
  const inGroup = new Set(groups.flatMap((g) => g.members));
  const restarts = [...restart.entries()].filter(([name]) => !inGroup.has(name) && !skip(name));
  restarts.sort(([a], [b]) => (a === "main" ? -1 : b === "main" ? 1 : a.localeCompare(b)));

  // The entrypoint follows a moved http port: routed away before the worker restarts, back once it answers.
  const lb = lbStepsForEdit(dep, readDeployment({ ...ctx.snapshot, files: after }));
  warnings.push(...lb.warnings);

  files.push(...extraFiles);
  const steps: Step[] = [...(lb.drain ? [lb.drain] : []), ...preSteps];
  if (files.length > 0) steps.push({ kind: "write_files", reason: `write ${files.map((f) => f.path).join(", ")}` });
  steps.push(...postSteps);
  for (const g of groups) for (const m of g.members) steps.push({ kind: "stop", process: m, reason: g.reason });
  for (const g of groups) for (const m of g.members) steps.push({ kind: "start", process: m, reason: g.reason });
  for (const [name, reasons] of restarts) steps.push({ kind: "restart", process: name, reason: [...new Set(reasons)].join("; ") });
  const restartedNames = new Set([...restarts.map(([n]) => n), ...inGroup]);
  const reloads = [...reload.entries()].filter(([name]) => !restartedNames.has(name) && running.has(name));
  for (const [name, reason] of reloads) steps.push({ kind: "reload", process: name, reason });
  const touched = [...new Set([...restarts.map(([n]) => n), ...inGroup, ...reloads.map(([n]) => n), ...[...recreated].filter((n) => running.has(n))])];
  if (touched.length > 0) steps.push({ kind: "wait_healthy", processes: touched, timeoutMs: healthTimeout(ctx), reason: "every restarted process answers /health" });
  if (lb.final) steps.push(lb.final);

  const restartList = [
    ...restarts.map(([process, reasons]) => ({ process, reason: [...new Set(reasons)].join("; ") })),
    ...groups.flatMap((g) => g.members.map((process) => ({ process, reason: g.reason }))),
    ...[...recreated].map((process) => ({ process, reason: "re-created with its new http port" })),
  ];
  return {
    intent,
    summary: `Save ${intent.files.map((f) => f.path).join(", ")}`,
    files,
    steps,
    restarts: restartList,
    destructive: restartList.length > 0 || recreated.size > 0,
    expected: [...(dep.main ? [{ name: "main", type: "main" as const }] : []), ...dep.workers.map((w) => ({ name: w.name, type: w.type }))],
    warnings: [...new Set(warnings)],
  };
}
