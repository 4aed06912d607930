"use client";

import { levelRank, stripAnsi, type LogLevel } from "@/lib/logs/parse";
import type { LogEntry } from "./logStore";

/** What the operator narrowed the received window to. */
export interface LogFilterSpec {
  /** Show this level and above; null shows everything. */
  minLevel: LogLevel | null;
  text: string;
  regex: boolean;
  /** Only the records of one Synapse request id, across workers. */
  request: string | null;
  /** Workers of the selection hidden from the view. */
  hiddenWorkers: ReadonlySet<string>;
}

export interface CompiledFilter {
  /** Null when nothing is filtered. */
  test: ((e: LogEntry) => boolean) | null;
  /** Why the text could not be used (an invalid regular expression); the text filter is then off. */
  error: string | null;
}

const INFO = levelRank("INFO");

function entryText(e: LogEntry): string {
  const head = stripAnsi(e.text);
  return e.more ? `${head}\n${e.more.map(stripAnsi).join("\n")}` : head;
}

/** Turns the filter into one test per record; an invalid regex is reported, never thrown. */
export function compileFilter(spec: LogFilterSpec): CompiledFilter {
  const checks: Array<(e: LogEntry) => boolean> = [];
  let error: string | null = null;
  if (spec.hiddenWorkers.size > 0) checks.push((e) => !spec.hiddenWorkers.has(e.worker));
  if (spec.minLevel && spec.minLevel !== "DEBUG") {
    const min = levelRank(spec.minLevel);
    // Status rows always show; a line Synapse did not format counts as INFO.
    checks.push((e) => e.kind === "status" || (e.parsed ? levelRank(e.parsed.level) : INFO) >= min);
  }
  if (spec.request) {
    const id = spec.request;
    checks.push((e) => e.parsed?.request === id);
  }
  if (spec.text) {
    if (spec.regex) {
      try {
        const re = new RegExp(spec.text, "i");
        checks.push((e) => re.test(entryText(e)));
      } catch (err) {
        error = `Invalid regular expression: ${err instanceof Error ? err.message.replace(/^Invalid regular expression: /, "") : String(err)}`;
      }
    } else {
      const needle = spec.text.toLowerCase();
      checks.push((e) => entryText(e).toLowerCase().includes(needle));
    }
  }
  if (checks.length === 0) return { test: null, error };
  return { test: (e) => checks.every((c) => c(e)), error };
}
