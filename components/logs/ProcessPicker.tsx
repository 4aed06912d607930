"use client";

import { useEffect, useRef, useState, useMemo } from "react";
import { workerTypeLabels, type WorkerType } from "@/lib/synapse/types";
import { workerColor } from "./colors";

export interface PickableProcess {
  name: string;
  type: WorkerType;
}

/**
 * The processes of a topology as the log viewer needs them: a new array only when a name or a type
 * changes, not on every live update (health, CPU, memory), so the viewer does not re-render for those.
 */
export function usePickableProcesses(processes: ReadonlyArray<PickableProcess> | undefined): PickableProcess[] {
  const signature = (processes ?? []).map((p) => `${p.name}\t${p.type}`).join("\n");
  return useMemo(
    () =>
      signature
        ? signature.split("\n").map((line) => {
            const [name, type] = line.split("\t");
            return { name, type: type as WorkerType };
          })
        : [],
    [signature],
  );
}

/** What a selection says in words: "all processes", "generic workers", "main, media_worker". */
export function selectionSummary(tokens: string[]): string {
  if (tokens.length === 0 || tokens.includes("all")) return "all";
  return tokens.map((t) => (t.startsWith("type:") ? `all ${workerTypeLabels[t.slice(5) as WorkerType]?.toLowerCase() ?? t.slice(5)}s` : t)).join(", ");
}

/** Chooses which processes to tail: all, all of a type, or any set of them (a multi-select listbox). */
export function ProcessPicker({ processes, value, onChange }: { processes: PickableProcess[]; value: string[]; onChange: (tokens: string[]) => void }) {
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  // "All of a type" for every type present; the main process is one, so it needs no such choice.
  const types = [...new Set(processes.map((p) => p.type))].filter((t) => t !== "main");
  const all = value.length === 0 || value.includes("all");
  const options: Array<{ token: string; label: string; detail?: string; colour?: string }> = [
    { token: "all", label: "All processes" },
    ...types.map((t) => ({ token: `type:${t}`, label: `All ${workerTypeLabels[t].toLowerCase()}s`, detail: `${processes.filter((p) => p.type === t).length}` })),
    ...processes.map((p) => ({ token: p.name, label: p.name, detail: workerTypeLabels[p.type], colour: workerColor(p.name).text })),
  ];

  useEffect(() => {
    if (!open) return;
    listRef.current?.querySelector<HTMLElement>('[role="option"]')?.focus();
    const onDown = (e: MouseEvent) => {
      if (!rootRef.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
  }, [open]);

  function toggle(token: string) {
    if (token === "all") return onChange(["all"]);
    const rest = value.filter((t) => t !== "all");
    const next = rest.includes(token) ? rest.filter((t) => t !== token) : [...rest, token];
    onChange(next.length ? next : ["all"]);
  }

  function onKey(e: React.KeyboardEvent<HTMLUListElement>) {
    const els = Array.from(listRef.current?.querySelectorAll<HTMLElement>('[role="option"]') ?? []);
    const at = els.indexOf(document.activeElement as HTMLElement);
    if (e.key === "ArrowDown") els[Math.min(els.length - 1, at + 1)]?.focus();
    else if (e.key === "ArrowUp") els[Math.max(0, at - 1)]?.focus();
    else if (e.key === "Escape") {
      setOpen(false);
      rootRef.current?.querySelector("button")?.focus();
    } else if ((e.key === "Enter" || e.key === " ") && at >= 0) toggle(options[at].token);
    else return;
    e.preventDefault();
  }

  return (
    <div ref={rootRef} className="relative">
      <button
        type="button"
        aria-haspopup="listbox"
        aria-expanded={open}
        aria-label={`Processes: ${selectionSummary(value)}`}
        onClick={() => setOpen((o) => !o)}
        className="inline-flex max-w-72 items-center gap-1.5 rounded-md border border-zinc-300 bg-white px-2 py-1 text-xs hover:bg-zinc-100 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800"
      >
        <span className="text-zinc-500">Processes</span>
        <span className="truncate font-mono font-medium">{selectionSummary(value)}</span>
        <span aria-hidden className="text-zinc-400">▾</span>
      </button>
      {open ? (
        <ul
          ref={listRef}
          role="listbox"
          aria-label="Processes"
          aria-multiselectable="true"
          onKeyDown={onKey}
          className="absolute left-0 top-full z-30 mt-1 max-h-96 min-w-64 overflow-y-auto rounded-md border border-zinc-200 bg-white py-1 text-xs shadow-lg dark:border-zinc-700 dark:bg-zinc-900"
        >
          {options.map((o, i) => {
            const selected = o.token === "all" ? all : !all && value.includes(o.token);
            return (
              <li
                key={o.token}
                role="option"
                aria-selected={selected}
                tabIndex={-1}
                onClick={() => toggle(o.token)}
                className={`flex cursor-pointer items-center gap-2 px-3 py-1 hover:bg-zinc-100 focus:bg-zinc-100 focus-visible:outline-none dark:hover:bg-zinc-800 dark:focus:bg-zinc-800 ${i === types.length ? "border-b border-zinc-100 pb-1.5 dark:border-zinc-800" : ""}`}
              >
                <span aria-hidden className={`inline-flex size-3.5 items-center justify-center rounded-sm border text-[10px] ${selected ? "border-sky-600 bg-sky-600 text-white" : "border-zinc-300 dark:border-zinc-600"}`}>
                  {selected ? "✓" : ""}
                </span>
                <span className={o.colour ? `font-mono ${o.colour}` : "font-medium"}>{o.label}</span>
                {o.detail ? <span className="ml-auto pl-3 text-[11px] text-zinc-500">{o.detail}</span> : null}
              </li>
            );
          })}
        </ul>
      ) : null}
    </div>
  );
}
