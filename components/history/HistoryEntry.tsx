"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { isTerminalStatus } from "@/lib/contract/operations";
import type { Operation } from "@/lib/synapse/plan-schema";
import { fetchOperation, operationKey } from "@/components/operations/api";
import { intentTitle } from "@/components/operations/intents";
import { OperationStatusBadge } from "@/components/operations/OperationStatusBadge";
import { PlanView } from "@/components/operations/PlanView";
import { StepList } from "@/components/operations/StepList";
import { useOperationStream } from "@/components/operations/useOperationStream";
import { useOperations } from "@/components/operations/OperationsProvider";
import { useCanOperate } from "@/components/shell/PrincipalContext";
import { Menu } from "@/components/ui/Menu";
import { formatDuration } from "@/components/ui/format";

/** Keeps a running entry current over its event stream (it writes into the same query). */
function FollowOperation({ id }: { id: string }) {
  useOperationStream(id);
  return null;
}

function RestoreMenu({ op }: { op: Operation }) {
  const { run, busy } = useOperations();
  return (
    <Menu
      label="Restore"
      items={[
        {
          label: "To before this operation",
          description: "Put the files and containers back as they were before it ran.",
          disabled: busy || !isTerminalStatus(op.status),
          onSelect: () => run({ kind: "restore", operationId: op.id, point: "before" }, "always"),
        },
        {
          label: "To after this operation",
          description: "Put the files and containers back as this operation left them.",
          disabled: busy || op.status !== "succeeded",
          onSelect: () => run({ kind: "restore", operationId: op.id, point: "after" }, "always"),
        },
      ]}
    />
  );
}

/** The process whose step failed (a wait names several; the first is enough to start reading). */
function failingWorker(op: Operation): string | null {
  const step = op.steps.find((s) => s.status === "failed");
  return step?.target?.split(",")[0]?.trim() || null;
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section aria-label={title} className="rounded-lg border border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900">
      <h2 className="mb-2 text-xs font-semibold uppercase tracking-wide text-zinc-500">{title}</h2>
      {children}
    </section>
  );
}

/** One history entry: what was asked, by whom, how it went step by step, the plan with its file diffs, and Restore. */
export function HistoryEntry({ id }: { id: string }) {
  const canOperate = useCanOperate();
  const q = useQuery({ queryKey: operationKey(id), queryFn: () => fetchOperation(id) });
  const op = q.data;
  const took = op?.startedAt && op.finishedAt ? formatDuration(Date.parse(op.finishedAt) - Date.parse(op.startedAt)) : null;
  return (
    <div className="flex flex-col gap-4 p-6">
      <nav aria-label="Breadcrumb" className="text-xs text-zinc-500">
        <Link href="/history" className="hover:underline">
          History
        </Link>{" "}
        / <span className="font-mono">{id}</span>
      </nav>
      {q.error ? (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
          {q.error.message}. <Link href="/history" className="underline">Back to the history</Link>
        </p>
      ) : null}
      {q.isPending ? <p className="text-zinc-500">Reading the operation…</p> : null}
      {op ? (
        <>
          {!isTerminalStatus(op.status) ? <FollowOperation id={op.id} /> : null}
          <header className="flex flex-wrap items-start gap-3">
            <div className="min-w-0 flex-1">
              <h1 className="flex items-center gap-2 text-base font-semibold">
                {intentTitle(op.intent)} <OperationStatusBadge status={op.status} />
              </h1>
              <p className="text-xs text-zinc-600 dark:text-zinc-400">{op.summary}</p>
              <p className="mt-1 text-xs text-zinc-500">
                by <span className="font-medium text-zinc-700 dark:text-zinc-300">{op.actor}</span> ·{" "}
                <time dateTime={op.createdAt}>{new Date(op.createdAt).toLocaleString()}</time>
                {took ? ` · took ${took}` : ""}
                {op.restoreOf ? (
                  <>
                    {" "}
                    · restores{" "}
                    <Link href={`/history/${encodeURIComponent(op.restoreOf)}`} className="font-mono underline">
                      {op.restoreOf}
                    </Link>
                  </>
                ) : null}
              </p>
            </div>
            {canOperate ? <RestoreMenu op={op} /> : null}
          </header>
          {op.status === "failed" || op.status === "interrupted" ? (
            <div role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-xs text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
              <p className="font-semibold">{op.error ?? "The operation did not finish."}</p>
              {op.status === "failed" ? <p>The deployment was put back as it was before this operation.</p> : <p>The dashboard stopped while this ran; restore to before it if the deployment looks wrong.</p>}
              {failingWorker(op) && op.startedAt ? (
                <p className="mt-1">
                  <Link
                    href={`/logs?workers=${encodeURIComponent(failingWorker(op)!)}&since=${encodeURIComponent(op.startedAt)}`}
                    className="font-medium underline"
                  >
                    Open the log of {failingWorker(op)} from when it ran
                  </Link>
                </p>
              ) : null}
              {op.failureLogs?.length ? (
                <pre aria-label="Last log lines" className="mt-2 max-h-60 overflow-auto rounded bg-white/70 p-2 font-mono text-[11px] leading-4 text-zinc-800 dark:bg-zinc-950/70 dark:text-zinc-200">
                  {op.failureLogs.join("\n")}
                </pre>
              ) : null}
            </div>
          ) : null}
          <Section title="Steps">
            <StepList steps={op.steps} />
          </Section>
          <Section title="Plan">
            <PlanView plan={op.plan} />
          </Section>
        </>
      ) : null}
    </div>
  );
}
