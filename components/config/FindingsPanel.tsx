"use client";

import type { EditorMarker } from "./ConfigEditor";

export interface PanelFinding extends EditorMarker {
  fix?: string;
}

const levelLook = {
  error: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
  warning: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
} as const;

/**
 * The findings of the open file, errors first: rule id, message and fix; a click puts the
 * cursor on the line. `others` counts findings in the other files, so they are not forgotten.
 */
export function FindingsPanel({
  findings,
  others,
  source,
  onJump,
}: {
  findings: PanelFinding[];
  others: number;
  /** Where these came from: checked as you type, or the server's refusal of a save. */
  source: "editor" | "server";
  onJump: (f: PanelFinding) => void;
}) {
  const sorted = [...findings].sort((a, b) => (a.level === b.level ? (a.line ?? 0) - (b.line ?? 0) : a.level === "error" ? -1 : 1));
  const errors = findings.filter((f) => f.level === "error").length;
  return (
    <section aria-label="Findings" className="flex min-h-0 flex-col gap-1.5 text-xs">
      <h2 className="flex items-baseline gap-2 text-xs font-semibold uppercase tracking-wide text-zinc-500">
        Findings
        <span data-testid="findings-count" className="font-normal normal-case tracking-normal">
          {findings.length === 0 ? "none" : `${errors} error${errors === 1 ? "" : "s"}, ${findings.length - errors} warning${findings.length - errors === 1 ? "" : "s"}`}
          {source === "server" ? " — refused by the server" : ""}
        </span>
      </h2>
      {sorted.length === 0 ? (
        <p className="text-zinc-500">No problems in this file{others > 0 ? "" : " or the others"}.</p>
      ) : (
        <ul className="flex min-h-0 flex-col gap-1 overflow-y-auto">
          {sorted.map((f, i) => (
            <li key={`${f.rule}:${f.line}:${f.column}:${i}`}>
              <button
                type="button"
                onClick={() => onJump(f)}
                aria-label={`${f.level} ${f.rule ?? ""} at line ${f.line ?? 1}: ${f.message}`}
                className="flex w-full flex-col gap-0.5 rounded-md border border-zinc-200 bg-white px-2 py-1.5 text-left hover:bg-zinc-50 dark:border-zinc-800 dark:bg-zinc-900 dark:hover:bg-zinc-800"
              >
                <span className="flex items-center gap-2">
                  <span className={`rounded px-1.5 py-px text-[10px] font-semibold uppercase ${levelLook[f.level]}`}>{f.level}</span>
                  <span className="font-mono text-[11px] text-zinc-700 dark:text-zinc-300" data-testid="finding-rule">
                    {f.rule ?? "server"}
                  </span>
                  <span className="ml-auto font-mono text-[11px] text-zinc-500" data-testid="finding-line">
                    line {f.line ?? 1}
                  </span>
                </span>
                <span className="text-zinc-800 dark:text-zinc-200">{f.message}</span>
                {f.fix ? <span className="text-zinc-500">Fix: {f.fix}</span> : null}
              </button>
            </li>
          ))}
        </ul>
      )}
      {others > 0 ? (
        <p className="text-zinc-500">
          {others} finding{others === 1 ? "" : "s"} in other files (open them from the file list).
        </p>
      ) : null}
    </section>
  );
}
