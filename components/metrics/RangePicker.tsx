"use client";

import { metricRanges, type MetricRange } from "@/lib/contract/metrics";

/** The time range as a row of radio buttons (arrow keys move between them, as in any radio group). */
export function RangePicker({ value, onChange, ranges = metricRanges }: { value: MetricRange; onChange: (r: MetricRange) => void; ranges?: readonly MetricRange[] }) {
  function onKey(e: React.KeyboardEvent<HTMLDivElement>) {
    const at = ranges.indexOf(value);
    const next = e.key === "ArrowRight" || e.key === "ArrowDown" ? at + 1 : e.key === "ArrowLeft" || e.key === "ArrowUp" ? at - 1 : null;
    if (next === null || next < 0 || next >= ranges.length) return;
    e.preventDefault();
    onChange(ranges[next]);
    e.currentTarget.querySelectorAll<HTMLElement>('[role="radio"]')[next]?.focus();
  }
  return (
    <div role="radiogroup" aria-label="Range" onKeyDown={onKey} className="inline-flex overflow-hidden rounded-md border border-zinc-300 text-xs dark:border-zinc-700">
      {ranges.map((r) => (
        <button
          key={r}
          type="button"
          role="radio"
          aria-checked={r === value}
          tabIndex={r === value ? 0 : -1}
          onClick={() => onChange(r)}
          className="border-l border-zinc-300 bg-white px-2.5 py-1 font-mono first:border-l-0 hover:bg-zinc-100 aria-checked:bg-sky-600 aria-checked:text-white dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800 dark:aria-checked:bg-sky-600"
        >
          {r}
        </button>
      ))}
    </div>
  );
}
