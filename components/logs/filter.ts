"use client";

import { levelRank, stripAnsi, type LogLevel } from "@/lib/logs/parse";
import { compilePattern, PatternError } from "@/lib/logs/pattern";
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
  /** Why the text could not be used (invalid, unsupported or too costly a pattern); the text filter is then off. */
  error: string | null;
}

const INFO = levelRank("INFO");

function entryText(e: LogEntry): string {
  const head = stripAnsi(e.text);
  return e.more ? `${head}\n${e.more.map(stripAnsi).join("\n")}` : head;
}

/** Turns the filter into one test per record; a pattern that cannot be used is reported, never thrown. */
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
    // The same linear-time engine and bounds as the server's search (lib/logs/pattern.ts): a pattern
    // in a shared link cannot freeze the page.
    try {
      const matches = compilePattern(spec.text, spec.regex);
      checks.push((e) => matches(entryText(e)));
    } catch (err) {
      if (!(err instanceof PatternError)) throw err;
      error = err.syntax !== undefined ? `Invalid regular expression: ${err.syntax}` : err.message;
    }
  }
  if (checks.length === 0) return { test: null, error };
  return { test: (e) => checks.every((c) => c(e)), error };
}
