"use client";

import Link from "next/link";
import type { Operation } from "@/lib/synapse/plan-schema";
import { historyKey } from "@/components/operations/api";
import { useHistoryPages } from "./useHistoryPages";
import { intentTitle } from "@/components/operations/intents";
import { OperationStatusBadge } from "@/components/operations/OperationStatusBadge";
import { formatDuration, formatWhen } from "@/components/ui/format";

const PAGE = 50;

function Entry({ op, now }: { op: Operation; now: number }) {
  const took = op.startedAt && op.finishedAt ? formatDuration(Date.parse(op.finishedAt) - Date.parse(op.startedAt)) : null;
  return (
    <li className="relative border-l border-zinc-200 pb-3 pl-4 dark:border-zinc-800">
      <span aria-hidden className="absolute -left-[5px] top-1.5 size-2.5 rounded-full border-2 border-white bg-zinc-400 dark:border-zinc-950" />
      <article aria-label={intentTitle(op.intent)} className="flex flex-wrap items-baseline gap-x-3 gap-y-0.5 rounded-md px-2 py-1 hover:bg-white dark:hover:bg-zinc-900">
        <OperationStatusBadge status={op.status} />
        <Link href={`/history/${encodeURIComponent(op.id)}`} className="font-medium text-sky-800 underline-offset-2 hover:underline dark:text-sky-300">
          {intentTitle(op.intent)}
        </Link>
        <span className="min-w-0 flex-1 truncate text-xs text-zinc-600 dark:text-zinc-400">{op.summary}</span>
        <span className="text-xs text-zinc-500">
          by <span className="font-medium text-zinc-700 dark:text-zinc-300">{op.actor}</span>
          {took ? ` · ${took}` : ""} ·{" "}
          <time dateTime={op.createdAt} title={new Date(op.createdAt).toLocaleString()}>
            {formatWhen(op.createdAt, now)}
          </time>
        </span>
      </article>
    </li>
  );
}

/** The timeline of operations, newest first, a page at a time. */
export function HistoryList() {
  const q = useHistoryPages(historyKey, PAGE);
  const ops = q.data?.pages.flat() ?? [];
  const now = q.dataUpdatedAt || 0;
  return (
    <div className="flex flex-col gap-4 p-6">
      <header>
        <h1 className="text-base font-semibold">History</h1>
        <p className="text-xs text-zinc-500">Every change made through the dashboard: its plan, its steps, and a way back.</p>
      </header>
      {q.error ? (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
          {q.error.message}
        </p>
      ) : null}
      {q.isPending ? <p className="text-zinc-500">Reading the history…</p> : null}
      {q.isSuccess && ops.length === 0 ? (
        <p className="rounded-md border border-zinc-200 p-4 text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">
          No operations yet. Add a worker or scale from the <Link href="/" className="underline">Topology</Link> screen; each change shows up here.
        </p>
      ) : null}
      {ops.length > 0 ? (
        <ol aria-label="Operations" className="ml-1.5">
          {ops.map((op) => (
            <Entry key={op.id} op={op} now={now} />
          ))}
        </ol>
      ) : null}
      {q.hasNextPage ? (
        <button
          type="button"
          onClick={() => void q.fetchNextPage()}
          disabled={q.isFetchingNextPage}
          className="self-start rounded-md border border-zinc-300 px-2.5 py-1 text-xs hover:bg-zinc-100 disabled:opacity-50 dark:border-zinc-700 dark:hover:bg-zinc-800"
        >
          {q.isFetchingNextPage ? "Loading…" : "Load older operations"}
        </button>
      ) : null}
    </div>
  );
}
