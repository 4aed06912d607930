"use client";

import { useMemo } from "react";
import type { FileChange } from "@/lib/synapse/plan-schema";
import { foldUnchanged, lineDiff } from "./diff";

const lineTone = {
  same: "text-zinc-600 dark:text-zinc-400",
  add: "bg-emerald-50 text-emerald-900 dark:bg-emerald-950/60 dark:text-emerald-200",
  del: "bg-red-50 text-red-900 dark:bg-red-950/60 dark:text-red-200",
} as const;
const sign = { same: " ", add: "+", del: "−" } as const;

/**
 * One file of a plan as a line diff: + added, − removed, unchanged lines folded. Contents arrive
 * masked. `note` says which step writes it when that is not the plan's write_files (the lb config).
 */
export function FileDiff({ change, note = null }: { change: FileChange; note?: string | null }) {
  const items = useMemo(() => foldUnchanged(lineDiff(change.before, change.after)), [change.before, change.after]);
  const added = items.filter((i) => i.kind === "line" && i.line.kind === "add").length;
  const removed = items.filter((i) => i.kind === "line" && i.line.kind === "del").length;
  const what = change.before === null ? "new file" : change.after === null ? "removed" : "changed";
  return (
    <figure aria-label={`Diff of ${change.path}${note ? ` (${note})` : ""}`} className="overflow-hidden rounded-md border border-zinc-200 dark:border-zinc-800">
      <figcaption className="flex items-center gap-2 border-b border-zinc-200 bg-zinc-50 px-2 py-1 text-xs dark:border-zinc-800 dark:bg-zinc-900">
        <span className="font-mono font-medium">{change.path}</span>
        <span className="text-zinc-500">{what}</span>
        {note ? <span className="truncate text-zinc-500">— {note}</span> : null}
        <span className="ml-auto font-mono text-[11px]">
          <span className="text-emerald-700 dark:text-emerald-400">+{added}</span> <span className="text-red-700 dark:text-red-400">−{removed}</span>
        </span>
      </figcaption>
      <pre className="max-h-80 overflow-auto font-mono text-[11px] leading-4">
        {items.length === 0 ? <span className="block px-2 py-1 text-zinc-500">(empty)</span> : null}
        {items.map((item, idx) =>
          item.kind === "gap" ? (
            <span key={idx} className="block bg-zinc-50 px-2 text-zinc-400 dark:bg-zinc-900">
              ⋯ {item.count} unchanged line{item.count === 1 ? "" : "s"}
            </span>
          ) : (
            <span key={idx} className={`block whitespace-pre px-2 ${lineTone[item.line.kind]}`}>
              <span aria-hidden className="mr-2 inline-block w-7 select-none text-right text-zinc-400">
                {item.line.newNo ?? item.line.oldNo}
              </span>
              <span className="select-none">{sign[item.line.kind]} </span>
              {item.line.text}
            </span>
          ),
        )}
      </pre>
    </figure>
  );
}
