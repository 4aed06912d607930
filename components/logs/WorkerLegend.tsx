"use client";

import { workerColor } from "./colors";

/** The colour of each worker in a merged view; a click hides or shows its lines (received window only). */
export function WorkerLegend({ names, hidden, onChange }: { names: string[]; hidden: ReadonlySet<string>; onChange: (next: ReadonlySet<string>) => void }) {
  return (
    <ul aria-label="Workers shown" className="flex flex-wrap items-center gap-1">
      {names.map((n) => {
        const shown = !hidden.has(n);
        return (
          <li key={n}>
            <button
              type="button"
              aria-pressed={shown}
              aria-label={`Show ${n}`}
              onClick={() => {
                const next = new Set(hidden);
                if (shown) next.add(n);
                else next.delete(n);
                onChange(next);
              }}
              className={`inline-flex items-center gap-1 rounded border border-zinc-200 px-1.5 py-px font-mono text-[11px] dark:border-zinc-700 ${shown ? workerColor(n).text : "text-zinc-400 line-through"}`}
            >
              <span aria-hidden className={`h-2.5 border-l-2 ${workerColor(n).edge}`} />
              {n}
            </button>
          </li>
        );
      })}
    </ul>
  );
}
