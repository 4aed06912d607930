import type { Document } from "yaml";
import { workerCatalogue, type WorkerKind } from "./catalogue";
import { parseHomeserverConfig, type HomeserverConfig } from "./config";
import { parseConfigDocument, renderEdited } from "./config-edit";
import { listenerPorts, readDeployment, type Deployment, type WorkerEntry } from "./deployment";
import type { PlanContext } from "./plan-context";
import { PlanError, type ContainerSpec, type FileChange } from "./plan-schema";
import { TargetsParseError, updateTargets, type TargetEntry } from "./prometheus-targets";
import { errorsOf, validateDeployment } from "./rules";
import { TARGETS_FILE, HOMESERVER_FILE } from "./deployment";

/**
 * A worker change being planned: adds and removes accumulate here (a scale or preset composes
 * many), then the files are rendered once and the steps derived from what changed.
 */

export interface NewWorker {
  name: string;
  kind: WorkerKind;
  httpPort: number | null;
  spec: ContainerSpec;
}

export interface Draft {
  dep: Deployment;
  ctx: PlanContext;
  /** homeserver.yaml being edited (rendered comment-preserving at the end). */
  hs: Document;
  /** New contents of other files; null removes the file. */
  files: Map<string, string | null>;
  targets: { add: TargetEntry[]; remove: string[] };
  added: NewWorker[];
  removed: WorkerEntry[];
  /** Names, ports and container names already taken (existing plus planned). */
  names: Set<string>;
  ports: Set<number>;
  containerNames: Set<string>;
  warnings: string[];
}

export function startDraft(ctx: PlanContext): Draft {
  const dep = readDeployment(ctx.snapshot);
  const names = new Set<string>(["main", "master", ...dep.workers.map((w) => w.name), ...Object.keys(dep.hs.instanceMap)]);
  for (const p of ctx.snapshot.processes) names.add(p.name);
  const containerNames = new Set(ctx.snapshot.processes.flatMap((p) => (p.container ? [p.container.name.replace(/^\//, "")] : [])));
  return {
    dep,
    ctx,
    hs: parseConfigDocument(dep.hsText),
    files: new Map(),
    targets: { add: [], remove: [] },
    added: [],
    removed: [],
    names,
    ports: new Set([...listenerPorts(dep), ...ctx.snapshot.usedHostPorts]),
    containerNames,
    warnings: [],
  };
}

/** homeserver.yaml as the draft has it now. */
export function draftHs(draft: Draft): HomeserverConfig {
  return parseHomeserverConfig(draft.hs.toString());
}

/** Workers that exist once the draft is applied, with their kind. */
export function draftWorkers(draft: Draft): Array<{ name: string; kind: WorkerKind | null; isNew: boolean; entry: WorkerEntry | null }> {
  const removed = new Set(draft.removed.map((w) => w.name));
  return [
    ...draft.dep.workers.filter((w) => !removed.has(w.name)).map((w) => ({ name: w.name, kind: w.kind, isNew: false, entry: w })),
    ...draft.added.map((w) => ({ name: w.name, kind: w.kind, isNew: true, entry: null })),
  ];
}

export function countOfKind(draft: Draft, kind: WorkerKind): number {
  return draftWorkers(draft).filter((w) => w.kind === kind).length;
}

/** The rendered file changes of the draft (homeserver.yaml, worker files, Prometheus targets). */
export function draftFiles(draft: Draft): FileChange[] {
  const current = draft.ctx.snapshot.files;
  const next = new Map(draft.files);
  next.set(HOMESERVER_FILE, renderEdited(draft.dep.hsText, draft.hs));
  const targetsText = current[TARGETS_FILE];
  if (targetsText === undefined && draft.targets.add.length > 0) {
    // Without the file there is nothing to update: say what Prometheus would need, rather than guess where it looks.
    const groups = draft.targets.add.map((e) => JSON.stringify({ targets: e.targets, labels: e.labels })).join(", ");
    draft.warnings.push(`there is no ${TARGETS_FILE}: Prometheus will not scrape ${draft.targets.add.map((e) => e.labels.worker).join(", ")} — add to its file_sd: ${groups}`);
  }
  if (targetsText !== undefined && (draft.targets.add.length > 0 || draft.targets.remove.length > 0)) {
    try {
      next.set(TARGETS_FILE, updateTargets(targetsText, draft.targets));
    } catch (err) {
      if (!(err instanceof TargetsParseError)) throw err;
      draft.warnings.push(`${err.message}: Prometheus targets were not updated`);
    }
  }
  const changes: FileChange[] = [];
  for (const [path, after] of next) {
    const before = current[path] ?? null;
    if (before !== after) changes.push({ path, before, after });
  }
  return changes.sort((a, b) => (a.path === HOMESERVER_FILE ? -1 : b.path === HOMESERVER_FILE ? 1 : a.path.localeCompare(b.path)));
}

/** The files after applying `changes` to the snapshot. */
export function applyFileChanges(files: Record<string, string>, changes: FileChange[]): Record<string, string> {
  const out = { ...files };
  for (const c of changes) {
    if (c.after === null) delete out[c.path];
    else out[c.path] = c.after;
  }
  return out;
}

/** Refuses a plan whose config would carry an error the current config does not have. */
export function refuseNewErrors(before: Record<string, string>, after: Record<string, string>): void {
  const known = new Set(errorsOf(validateDeployment(before)).map((f) => `${f.file}: ${f.message}`));
  const added = errorsOf(validateDeployment(after)).filter((f) => !known.has(`${f.file}: ${f.message}`));
  if (added.length > 0) throw new PlanError("invalid", `the change would leave the config broken: ${added.map((f) => `${f.file ?? "config"}: ${f.message}`).join("; ")}`);
}

export function kindLabel(kind: WorkerKind, count = 1): string {
  const label = workerCatalogue[kind].label.toLowerCase();
  if (count === 1) return label;
  return label.endsWith("y") ? `${label.slice(0, -1)}ies` : `${label}s`;
}
