import type { FileChange, Plan } from "./plan-schema";

/**
 * The file diffs a plan preview shows. The load balancer's config is not among a plan's files (its
 * reload_lb steps write it, each checked by nginx -t before the swap), so each such step adds the
 * diff it makes, in step order: a drain and a route-back are two diffs of one file. Pure and
 * browser-safe; it reads the plan as it arrives, so a masked plan gives masked diffs (maskPlan masks
 * reload_lb steps with the same function as files).
 */

export interface PlanFileDiff {
  /** Unique within the plan: a file's path, or the step that writes the lb file. */
  key: string;
  change: FileChange;
  /** Why this diff happens when it is not the plan's write_files: the step's number and reason. */
  note: string | null;
}

export function planFileDiffs(plan: Plan): PlanFileDiff[] {
  const out: PlanFileDiff[] = plan.files.map((change) => ({ key: `file ${change.path}`, change, note: null }));
  plan.steps.forEach((step, i) => {
    if (step.kind !== "reload_lb") return;
    out.push({ key: `step ${i}`, change: { path: step.path, before: step.before, after: step.after }, note: `step ${i + 1}, ${step.reason}` });
  });
  return out;
}
