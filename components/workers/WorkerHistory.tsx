"use client";

import Link from "next/link";
import type { Operation } from "@/lib/synapse/plan-schema";
import { useHistoryPages } from "@/components/history/useHistoryPages";
import { intentTitle } from "@/components/operations/intents";
import { OperationStatusBadge } from "@/components/operations/OperationStatusBadge";
import { formatWhen } from "@/components/ui/format";

const PAGE = 100;

/** Whether an operation's plan touched a process: named by its intent, a container step, a wait or a restart. */
export function operationTouches(op: Operation, name: string): boolean {
  const intent = op.intent as { name?: string };
  if (intent.name === name) return true;
  if (op.plan.restarts.some((r) => r.process === name)) return true;
  return op.plan.steps.some((s) => ("process" in s && s.process === name) || ("processes" in s && s.processes.includes(name)));
}

/** The operations that touched one worker, newest first (the history is read a page at a time and filtered here). */
export function WorkerHistory({ name }: { name: string }) {
  const q = useHistoryPages(["history", "worker-page"], PAGE);
  const ops = (q.data?.pages.flat() ?? []).filter((op) => operationTouches(op, name));
  const now = q.dataUpdatedAt || 0;
  return (
    <div className="flex flex-col gap-3">
      {q.error ? (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-xs text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
          {q.error.message}
        </p>
      ) : null}
      {q.isPending ? <p className="text-xs text-zinc-500">Reading the history…</p> : null}
      {q.isSuccess && ops.length === 0 ? (
        <p className="text-xs text-zinc-600 dark:text-zinc-400">
          No operation {q.hasNextPage ? "among the most recent ones " : ""}touched <span className="font-mono">{name}</span>. Restarts, config edits and scaling that involve it appear here.
        </p>
      ) : null}
      {ops.length > 0 ? (
        <ul aria-label={`Operations that touched ${name}`} className="divide-y divide-zinc-100 rounded-lg border border-zinc-200 bg-white dark:divide-zinc-800 dark:border-zinc-800 dark:bg-zinc-900">
          {ops.map((op) => (
            <li key={op.id} className="flex flex-wrap items-baseline gap-x-3 px-3 py-2 text-xs">
              <OperationStatusBadge status={op.status} />
              <Link href={`/history/${encodeURIComponent(op.id)}`} className="font-medium text-sky-800 hover:underline dark:text-sky-300">
                {intentTitle(op.intent)}
              </Link>
              <span className="min-w-0 flex-1 truncate text-zinc-600 dark:text-zinc-400">{op.summary}</span>
              <span className="text-zinc-500">
                by {op.actor} · <time dateTime={op.createdAt}>{formatWhen(op.createdAt, now)}</time>
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      {q.hasNextPage ? (
        <button type="button" onClick={() => void q.fetchNextPage()} disabled={q.isFetchingNextPage} className="self-start rounded-md border border-zinc-300 px-2.5 py-1 text-xs hover:bg-zinc-100 disabled:opacity-50 dark:border-zinc-700 dark:hover:bg-zinc-800">
          {q.isFetchingNextPage ? "Loading…" : "Look further back"}
        </button>
      ) : null}
    </div>
  );
}
