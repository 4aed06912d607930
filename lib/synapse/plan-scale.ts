import { presets, singleWriterStreams, workerCatalogue, workerKinds, type PresetName, type WorkerKind } from "./catalogue";
import { nameNumber } from "./allocate";
import { addWorkerToDraft } from "./plan-add";
import { draftHs, draftWorkers, kindLabel, startDraft, type Draft } from "./plan-draft";
import { finishWorkerPlan } from "./plan-finish";
import type { PlanContext } from "./plan-context";
import { removeWorkerFromDraft } from "./plan-remove";
import { PlanError, type Intent, type Placement, type Plan } from "./plan-schema";

/** Scale a kind to a count, or apply a sizing preset: adds and removes composed into one plan. */

interface KindChange {
  kind: WorkerKind;
  from: number;
  added: string[];
  removed: string[];
}

/** Which workers go first when scaling down: fleet-made before compose-made, highest number first. */
function removalOrder(draft: Draft, kind: WorkerKind): string[] {
  return draftWorkers(draft)
    .filter((w) => w.kind === kind && !w.isNew)
    .sort((a, b) => {
      const fa = a.entry?.process?.container?.managedByFleet !== false ? 0 : 1;
      const fb = b.entry?.process?.container?.managedByFleet !== false ? 0 : 1;
      return fa - fb || nameNumber(b.name) - nameNumber(a.name) || b.name.localeCompare(a.name);
    })
    .map((w) => w.name);
}

function scaleKind(draft: Draft, kind: WorkerKind, count: number, placement?: Placement): KindChange {
  const spec = workerCatalogue[kind];
  if (spec.max !== null && count > spec.max) throw new PlanError("limit", `a deployment takes at most ${spec.max} ${kindLabel(kind, spec.max)}`);
  const current = draftWorkers(draft).filter((w) => w.kind === kind).length;
  const change: KindChange = { kind, from: current, added: [], removed: [] };
  for (let i = current; i < count; i++) change.added.push(addWorkerToDraft(draft, { kind, placement }).name);
  for (const name of removalOrder(draft, kind).slice(0, Math.max(0, current - count))) change.removed.push(removeWorkerFromDraft(draft, name).name);
  return change;
}

function describe(changes: KindChange[]): string {
  return changes
    .filter((c) => c.added.length + c.removed.length > 0)
    .map((c) => {
      const parts = [...(c.added.length ? [`add ${c.added.join(", ")}`] : []), ...(c.removed.length ? [`remove ${c.removed.join(", ")}`] : [])];
      return `${kindLabel(c.kind, 2)} ${c.from} → ${c.from + c.added.length - c.removed.length} (${parts.join("; ")})`;
    })
    .join(", ");
}

export function planScale(intent: Extract<Intent, { kind: "scale" }>, ctx: PlanContext): Plan {
  const draft = startDraft(ctx);
  const change = scaleKind(draft, intent.type, intent.count, intent.placement);
  if (change.added.length + change.removed.length === 0)
    throw new PlanError("conflict", `there are already ${intent.count} ${kindLabel(intent.type, intent.count)}`);
  return finishWorkerPlan(draft, intent, `Scale ${describe([change])}`);
}

/** A preset sets the count of each kind it names; single-writer kinds whose stream is taken are skipped. */
export function planPreset(intent: Extract<Intent, { kind: "preset" }>, ctx: PlanContext): Plan {
  const preset = presets[intent.preset as PresetName];
  const draft = startDraft(ctx);
  const changes: KindChange[] = [];
  for (const kind of workerKinds) {
    const count = (preset.counts as Partial<Record<WorkerKind, number>>)[kind];
    if (count === undefined) continue;
    const taken = workerCatalogue[kind].streams.filter((s) => singleWriterStreams.includes(s) && (draftHs(draft).streamWriters[s] ?? []).length > 0);
    const mine = draftWorkers(draft).some((w) => w.kind === kind);
    if (taken.length > 0 && !mine) {
      draft.warnings.push(`skipped the ${workerCatalogue[kind].label.toLowerCase()}: ${taken.join(", ")} already has its writer`);
      continue;
    }
    changes.push(scaleKind(draft, kind, count, intent.placement));
  }
  if (changes.every((c) => c.added.length + c.removed.length === 0)) throw new PlanError("conflict", `the deployment already matches the ${intent.preset} preset`);
  return finishWorkerPlan(draft, intent, `Apply the ${preset.label} preset: ${describe(changes)}`);
}
