"use client";

import Link from "next/link";
import { useState } from "react";
import type { CheckResult, CheckStatus } from "@/lib/contract/diagnostics";
import { formatDuration } from "@/components/ui/format";

/** Evidence beyond this many lines (a crashed worker's log tail) folds away until asked for. */
const FOLDED_LINES = 8;

export const statusLook: Record<CheckStatus, { word: string; icon: string; badge: string; edge: string }> = {
  fail: { word: "Fail", icon: "✕", badge: "bg-red-600 text-white dark:bg-red-500 dark:text-red-950", edge: "border-l-red-600 dark:border-l-red-500" },
  warn: { word: "Warn", icon: "!", badge: "bg-amber-400 text-amber-950 dark:bg-amber-400 dark:text-amber-950", edge: "border-l-amber-400" },
  pass: { word: "Pass", icon: "✓", badge: "bg-emerald-600 text-white dark:bg-emerald-500 dark:text-emerald-950", edge: "border-l-emerald-600 dark:border-l-emerald-500" },
};

export function StatusMark({ status }: { status: CheckStatus }) {
  const look = statusLook[status];
  return (
    <span className="inline-flex w-16 shrink-0 items-center gap-1.5 text-xs font-semibold">
      <span aria-hidden className={`inline-flex size-5 items-center justify-center rounded-full text-[11px] font-bold ${look.badge}`}>{look.icon}</span>
      <span data-testid="check-status">{look.word}</span>
    </span>
  );
}

/** One check: its status in a word and a colour, what it saw, what to do, and the process it is about. */
export function CheckCard({ check }: { check: CheckResult }) {
  const [open, setOpen] = useState(false);
  const long = check.evidence.length > FOLDED_LINES;
  const lines = long && !open ? check.evidence.slice(0, FOLDED_LINES) : check.evidence;
  return (
    <article
      aria-label={check.title}
      data-testid={`check-${check.id}`}
      data-status={check.status}
      className={`rounded-md border border-l-4 border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900 ${statusLook[check.status].edge}`}
    >
      <header className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <StatusMark status={check.status} />
        <h2 className="text-sm font-semibold">{check.title}</h2>
        <span className="font-mono text-[11px] text-zinc-500">{check.id}</span>
        {check.process ? (
          <Link href={`/workers/${encodeURIComponent(check.process)}`} className="text-xs font-medium text-sky-800 underline-offset-2 hover:underline dark:text-sky-300">
            {check.process}
          </Link>
        ) : null}
        <span className="ml-auto text-[11px] text-zinc-500" title="How long the check took">
          {formatDuration(check.durationMs)}
        </span>
      </header>
      <ul aria-label="Evidence" className="mt-2 space-y-0.5 pl-[4.75rem] font-mono text-[11px] leading-relaxed text-zinc-700 dark:text-zinc-300">
        {lines.map((line, i) => (
          <li key={i} className="whitespace-pre-wrap break-words">
            {line}
          </li>
        ))}
      </ul>
      {long ? (
        <button type="button" onClick={() => setOpen(!open)} className="mt-1 pl-[4.75rem] text-[11px] text-sky-800 underline-offset-2 hover:underline dark:text-sky-300">
          {open ? "Show less" : `Show all ${check.evidence.length} lines`}
        </button>
      ) : null}
      {check.fix ? (
        <p data-testid="check-fix" className="ml-[4.75rem] mt-2 rounded border border-zinc-200 bg-zinc-50 px-2 py-1.5 text-xs text-zinc-800 dark:border-zinc-700 dark:bg-zinc-950 dark:text-zinc-200">
          <span className="font-semibold">Fix: </span>
          <span className="whitespace-pre-wrap break-words">{check.fix}</span>
        </p>
      ) : null}
    </article>
  );
}
