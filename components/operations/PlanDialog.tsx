"use client";

import type { Plan } from "@/lib/synapse/plan-schema";
import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { PlanView } from "./PlanView";

/** Shows a plan and asks before applying it; the title names the change (e.g. "Rollback to single process"). */
export function PlanDialog({
  title,
  plan,
  applying,
  error,
  onApply,
  onCancel,
}: {
  title: string;
  plan: Plan | null;
  applying: boolean;
  error: string | null;
  onApply: () => void;
  onCancel: () => void;
}) {
  return (
    <Dialog
      title={title}
      description={plan ? "Review the plan; nothing has changed yet." : "Preparing the plan…"}
      onClose={onCancel}
      wide
      footer={
        <>
          <Button onClick={onCancel}>Cancel</Button>
          <Button tone={plan?.destructive ? "danger" : "primary"} onClick={onApply} disabled={!plan || applying} aria-busy={applying}>
            {applying ? "Applying…" : "Apply"}
          </Button>
        </>
      }
    >
      {error ? (
        <p role="alert" className="mb-3 rounded-md border border-red-300 bg-red-50 p-2 text-xs text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
          {error}
        </p>
      ) : null}
      {plan ? (
        <PlanView plan={plan} />
      ) : error ? null : (
        <p role="status" className="text-xs text-zinc-500">
          Preparing the plan…
        </p>
      )}
    </Dialog>
  );
}
