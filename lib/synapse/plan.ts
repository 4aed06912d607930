import { workerCatalogue } from "./catalogue";
import { addWorkerToDraft } from "./plan-add";
import { planEditFiles } from "./plan-edit";
import type { PlanContext } from "./plan-context";
import { startDraft } from "./plan-draft";
import { finishWorkerPlan } from "./plan-finish";
import { planLifecycle } from "./plan-lifecycle";
import { removeWorkerFromDraft } from "./plan-remove";
import { planRestore } from "./plan-restore";
import { planRollback } from "./plan-rollback";
import { planPreset, planScale } from "./plan-scale";
import { intentSchema, PlanError, type Intent, type Plan } from "./plan-schema";

export type { PlanContext } from "./plan-context";

/**
 * Computes what an intent changes — files, containers, steps in a safe order, restarts — from a
 * snapshot, without touching anything. Throws PlanError when the intent is refused.
 */
export function planIntent(intent: Intent, ctx: PlanContext): Plan {
  const parsed = intentSchema.safeParse(intent);
  if (!parsed.success) throw new PlanError("invalid", parsed.error.issues.map((i) => `${i.path.join(".") || "intent"}: ${i.message}`).join("; "));
  const i = parsed.data;
  switch (i.kind) {
    case "add_worker": {
      const draft = startDraft(ctx);
      const w = addWorkerToDraft(draft, { kind: i.type, name: i.name, port: i.port, resources: i.resources, placement: i.placement });
      const node = w.spec.placement?.node ? ` on ${w.spec.placement.node}` : "";
      const where = (w.httpPort !== null ? ` on port ${w.httpPort}` : "") + node;
      return finishWorkerPlan(draft, i, `Add ${workerCatalogue[i.type].label.toLowerCase()} ${w.name}${where}`);
    }
    case "remove_worker": {
      const draft = startDraft(ctx);
      const w = removeWorkerFromDraft(draft, i.name);
      const label = w.kind ? workerCatalogue[w.kind].label.toLowerCase() : "worker";
      return finishWorkerPlan(draft, i, `Remove ${label} ${w.name}`);
    }
    case "scale":
      return planScale(i, ctx);
    case "preset":
      return planPreset(i, ctx);
    case "start":
    case "stop":
    case "restart":
      return planLifecycle(i, ctx);
    case "rollback_to_single_process":
      return planRollback(i, ctx);
    case "restore":
    case "restore_workers":
      return planRestore(i, ctx);
    case "edit_files":
      return planEditFiles(i, ctx);
  }
}
