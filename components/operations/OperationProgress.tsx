"use client";

import Link from "next/link";
import type { Operation } from "@/lib/synapse/plan-schema";
import { OperationStatusBadge } from "./OperationStatusBadge";
import { StepList } from "./StepList";
import { useOperationStream } from "./useOperationStream";

function statusLine(op: Operation | null): string {
  if (!op) return "Starting…";
  const done = op.steps.filter((s) => s.status === "succeeded" || s.status === "skipped").length;
  switch (op.status) {
    case "planned":
      return "Waiting to start…";
    case "applying":
      return `Applying: ${done} of ${op.steps.length} steps done`;
    case "succeeded":
      return `Done: ${op.summary}`;
    case "failed":
      return "Failed";
    case "interrupted":
      return "Interrupted";
  }
}

/** The result of a failed operation: what failed, the last log lines, and that nothing was left half-done. */
function Failure({ op }: { op: Operation }) {
  const failedStep = op.steps.find((s) => s.status === "failed");
  return (
    <div role="alert" className="flex flex-col gap-1.5 rounded-md border border-red-300 bg-red-50 p-2 text-xs text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
      <p>
        <span className="font-semibold">What failed: </span>
        {failedStep ? `${failedStep.kind.replace(/_/g, " ")}${failedStep.target ? ` ${failedStep.target}` : ""} — ` : ""}
        {op.error ?? failedStep?.message ?? "unknown error"}
      </p>
      {op.status === "failed" ? <p className="font-medium">The deployment was put back as it was before this operation.</p> : null}
      {op.status === "interrupted" ? <p>The dashboard stopped while this ran; open its history entry to see what was done and restore if needed.</p> : null}
      {op.failureLogs && op.failureLogs.length > 0 ? (
        <pre aria-label="Last log lines" className="max-h-40 overflow-auto rounded bg-white/70 p-1.5 font-mono text-[10px] leading-4 text-zinc-800 dark:bg-zinc-950/70 dark:text-zinc-200">
          {op.failureLogs.join("\n")}
        </pre>
      ) : null}
    </div>
  );
}

/** A drawer that follows one operation step by step and ends with its result and a link to its history entry. */
export function OperationProgress({ operationId, title, onClose }: { operationId: string; title: string; onClose: () => void }) {
  const { op, state, error } = useOperationStream(operationId);
  const ended = op && (op.status === "succeeded" || op.status === "failed" || op.status === "interrupted");
  return (
    <section
      aria-label="Operation progress"
      data-operation-id={operationId}
      className="fixed bottom-4 right-4 z-40 flex max-h-[70vh] w-[26rem] max-w-[calc(100vw-2rem)] flex-col gap-2 overflow-hidden rounded-lg border border-zinc-200 bg-white p-3 shadow-xl dark:border-zinc-800 dark:bg-zinc-900"
    >
      <header className="flex items-start gap-2">
        <div className="min-w-0 flex-1">
          <h2 className="truncate text-sm font-semibold">{title}</h2>
          <p role="status" className="text-xs text-zinc-600 dark:text-zinc-400" data-testid="operation-progress-status">
            {statusLine(op)}
            {state === "reconnecting" ? " (reconnecting…)" : null}
          </p>
        </div>
        {op ? <OperationStatusBadge status={op.status} /> : null}
        <button
          type="button"
          onClick={onClose}
          aria-label="Close progress"
          className="rounded px-1 text-zinc-500 hover:bg-zinc-100 hover:text-zinc-800 dark:hover:bg-zinc-800 dark:hover:text-zinc-200"
        >
          ✕
        </button>
      </header>
      <div className="min-h-0 overflow-y-auto">{op ? <StepList steps={op.steps} /> : <p className="text-xs text-zinc-500">Waiting for the first step…</p>}</div>
      {error ? (
        <p role="alert" className="text-xs text-red-700 dark:text-red-400">
          Lost track of this operation: {error}
        </p>
      ) : null}
      {op && (op.status === "failed" || op.status === "interrupted") ? <Failure op={op} /> : null}
      <footer className="flex items-center gap-2 border-t border-zinc-100 pt-2 text-xs dark:border-zinc-800">
        <Link href={`/history/${encodeURIComponent(operationId)}`} onClick={onClose} className="font-medium text-sky-700 underline-offset-2 hover:underline dark:text-sky-400">
          {ended ? "View in history" : "Open history entry"}
        </Link>
        {op?.startedAt && op.finishedAt ? (
          <span className="ml-auto tabular-nums text-zinc-500">took {((Date.parse(op.finishedAt) - Date.parse(op.startedAt)) / 1000).toFixed(1)} s</span>
        ) : null}
      </footer>
    </section>
  );
}
