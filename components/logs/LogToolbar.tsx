"use client";

import { useEffect, useId, useState } from "react";
import { logLevels, type LogLevel } from "@/lib/logs/parse";
import { Button } from "@/components/ui/Button";

const levelChoices: Array<{ value: LogLevel | ""; label: string }> = [
  { value: "", label: "All levels" },
  ...logLevels.filter((l) => l !== "DEBUG").map((l) => ({ value: l, label: `${l} and above` })),
];

/** The filters of the received window: text or regex, minimum level; and a server search further back. */
export function LogToolbar({
  q,
  regex,
  level,
  regexError,
  onChange,
  onSearchBack,
  searchingBack,
  children,
}: {
  q: string;
  regex: boolean;
  level: LogLevel | null;
  regexError: string | null;
  onChange: (patch: { q?: string; regex?: boolean; level?: LogLevel | null }) => void;
  onSearchBack: () => void;
  searchingBack: boolean;
  /** Placed first (the process picker on the logs page). */
  children?: React.ReactNode;
}) {
  const [text, setText] = useState(q);
  const errorId = useId();
  useEffect(() => setText(q), [q]);
  useEffect(() => {
    if (text === q) return;
    const t = setTimeout(() => onChange({ q: text }), 150);
    return () => clearTimeout(t);
  }, [text, q, onChange]);

  return (
    <div className="flex flex-wrap items-center gap-2">
      {children}
      <input
        type="text"
        aria-label="Filter"
        placeholder={regex ? "Regular expression" : "Filter lines"}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") onChange({ q: text });
          if (e.key === "Escape") setText("");
        }}
        aria-invalid={regexError ? true : undefined}
        aria-describedby={regexError ? errorId : undefined}
        className={`h-7 w-64 rounded-md border bg-white px-2 font-mono text-xs dark:bg-zinc-900 ${regexError ? "border-red-500" : "border-zinc-300 dark:border-zinc-700"}`}
      />
      <label className="inline-flex items-center gap-1 text-xs">
        <input type="checkbox" checked={regex} onChange={(e) => onChange({ regex: e.target.checked })} />
        Regex
      </label>
      <select
        aria-label="Level"
        value={level ?? ""}
        onChange={(e) => onChange({ level: (e.target.value || null) as LogLevel | null })}
        className="h-7 rounded-md border border-zinc-300 bg-white px-1.5 text-xs dark:border-zinc-700 dark:bg-zinc-900"
      >
        {levelChoices.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
      <Button onClick={onSearchBack} disabled={!text || !!regexError || searchingBack} title="Ask the server for older lines that match the filter">
        {searchingBack ? "Searching…" : "Search further back"}
      </Button>
      {regexError ? (
        <p id={errorId} role="alert" className="basis-full text-xs text-red-700 dark:text-red-400">
          {regexError}. The text filter is off until it is fixed.
        </p>
      ) : null}
    </div>
  );
}
