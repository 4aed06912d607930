import type { Operation } from "@/lib/synapse/plan-schema";
import { stepLabel } from "./PlanView";

type StepStatus = Operation["steps"][number]["status"];

const statusWords: Record<StepStatus, string> = {
  pending: "pending",
  running: "running",
  succeeded: "done",
  failed: "failed",
  skipped: "skipped",
  compensated: "undone",
};

/** A spinner, tick or cross: the icon is decorative, the status is also in words for screen readers. */
function StepIcon({ status }: { status: StepStatus }) {
  if (status === "running") return <span aria-hidden className="inline-block size-3 animate-spin rounded-full border-2 border-amber-500 border-t-transparent" />;
  const glyph = { pending: "○", succeeded: "✓", failed: "✕", skipped: "–", compensated: "↺" }[status];
  const colour = {
    pending: "text-zinc-400",
    succeeded: "text-emerald-600 dark:text-emerald-400",
    failed: "text-red-600 dark:text-red-400",
    skipped: "text-zinc-400",
    compensated: "text-amber-600 dark:text-amber-400",
  }[status];
  return (
    <span aria-hidden className={`inline-block w-3 text-center font-semibold leading-none ${colour}`}>
      {glyph}
    </span>
  );
}

function duration(startedAt: string | null, finishedAt: string | null): string | null {
  if (!startedAt || !finishedAt) return null;
  const ms = Date.parse(finishedAt) - Date.parse(startedAt);
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** An operation's steps as they run: each with its status, reason and message. */
export function StepList({ steps }: { steps: Operation["steps"] }) {
  if (steps.length === 0) return <p className="text-xs text-zinc-500">No steps.</p>;
  return (
    <ol aria-label="Steps" className="grid gap-1 text-xs">
      {steps.map((s) => {
        const took = duration(s.startedAt, s.finishedAt);
        return (
          <li key={s.index} data-status={s.status} className="flex items-start gap-2">
            <span className="mt-0.5">
              <StepIcon status={s.status} />
            </span>
            <span className="min-w-0 flex-1">
              <span className="font-medium">{stepLabel(s.kind)}</span>
              {s.target ? <span className="font-mono"> {s.target}</span> : null}
              <span className="sr-only"> — {statusWords[s.status]}</span>
              <span className="block text-[11px] text-zinc-500">{s.reason}</span>
              {s.message ? <span className={`block text-[11px] ${s.status === "failed" ? "text-red-700 dark:text-red-400" : "text-zinc-600 dark:text-zinc-400"}`}>{s.message}</span> : null}
            </span>
            {took ? <span className="shrink-0 tabular-nums text-[11px] text-zinc-500">{took}</span> : null}
          </li>
        );
      })}
    </ol>
  );
}
