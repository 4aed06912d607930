/**
 * Synapse's console log line, read (browser-safe, pure): the format of its default log config,
 * `%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s`, with ANSI
 * colour codes understood. A line that is not in this format continues the one before it
 * (a stack trace, a multi-line message).
 */

export const logLevels = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] as const;
export type LogLevel = (typeof logLevels)[number];

export interface ParsedLogLine {
  /** As written by Synapse: `2024-05-01 12:00:00,123` (local to the container, no zone). */
  time: string;
  logger: string;
  lineno: number;
  level: LogLevel;
  /** Synapse's request id (`GET-26`, `replication_notifier-1`); null for `sentinel` (no request). */
  request: string | null;
  message: string;
}

/** A run of text in one ANSI style. */
export interface AnsiSegment {
  text: string;
  /** A colour name from the 16-colour palette (`red`, `bright-blue`…), or null for the default. */
  color: AnsiColor | null;
  bold: boolean;
}

export const ansiColors = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"] as const;
export type AnsiColor = (typeof ansiColors)[number] | `bright-${(typeof ansiColors)[number]}`;

// CSI sequences (colours, cursor moves) and the rarer OSC ones, e.g. terminal titles and links.
// Built from a string so the escape characters need no linter exception.
const ESC = "\u001b";
const BEL = "\u0007";
const ANSI = new RegExp(`${ESC}\\[([0-9;?]*)([A-Za-z])|${ESC}\\][^${BEL}${ESC}]*(?:${BEL}|${ESC}\\\\)`, "g");

const HEADER = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:[,.]\d{1,6})?) - (\S+) - (\d+) - (DEBUG|INFO|WARNING|ERROR|CRITICAL) - (\S+) - ?(.*)$/s;

/** The same header without captures or the rest of the line: whether a line starts a record, read without allocating. */
const HEADER_START = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:[,.]\d{1,6})? - \S+ - \d+ - (?:DEBUG|INFO|WARNING|ERROR|CRITICAL) - \S+ -/;

const levelAliases: Record<string, LogLevel> = { WARN: "WARNING", FATAL: "CRITICAL" };

/** The text without ANSI escape codes. */
export function stripAnsi(text: string): string {
  return text.includes("\x1b") ? text.replace(ANSI, "") : text;
}

/** Reads one line; null when it does not start a log record (a continuation). */
export function parseLogLine(text: string): ParsedLogLine | null {
  const m = HEADER.exec(stripAnsi(text));
  if (!m) return null;
  const level = levelAliases[m[4]] ?? (m[4] as LogLevel);
  return { time: m[1], logger: m[2], lineno: Number(m[3]), level, request: m[5] === "sentinel" ? null : m[5], message: m[6] };
}

/** True when the line continues the record before it (a stack trace, a wrapped message); the same as `parseLogLine(text) === null`, cheaper. */
export function isContinuation(text: string): boolean {
  return !HEADER_START.test(stripAnsi(text));
}

/** How severe a level is, for "this level and above" (DEBUG 0 … CRITICAL 4). */
export function levelRank(level: LogLevel): number {
  return logLevels.indexOf(level);
}

/** Splits a line into runs of one colour (SGR codes 0, 1, 22, 30–37, 39, 90–97); other codes are dropped. */
export function ansiSegments(text: string): AnsiSegment[] {
  if (!text.includes("\x1b")) return text ? [{ text, color: null, bold: false }] : [];
  const out: AnsiSegment[] = [];
  let color: AnsiColor | null = null;
  let bold = false;
  let last = 0;
  const push = (t: string) => {
    if (!t) return;
    const prev = out[out.length - 1];
    if (prev && prev.color === color && prev.bold === bold) prev.text += t;
    else out.push({ text: t, color, bold });
  };
  for (const m of text.matchAll(ANSI)) {
    push(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] !== "m") continue; // only colours change how text looks
    const codes = (m[1] || "0").split(";").map((c) => Number(c || 0));
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c === 0) {
        color = null;
        bold = false;
      } else if (c === 1) bold = true;
      else if (c === 22) bold = false;
      else if (c >= 30 && c <= 37) color = ansiColors[c - 30];
      else if (c >= 90 && c <= 97) color = `bright-${ansiColors[c - 90]}`;
      else if (c === 39) color = null;
      else if (c === 38 || c === 48) i += codes[i + 1] === 5 ? 2 : codes[i + 1] === 2 ? 4 : 0; // 256/true colour: skipped
    }
  }
  push(text.slice(last));
  return out;
}

/** The segments from character `from` of their joined text on (to show a message without its header). */
export function sliceSegments(segments: AnsiSegment[], from: number): AnsiSegment[] {
  const out: AnsiSegment[] = [];
  let pos = 0;
  for (const s of segments) {
    const end = pos + s.text.length;
    if (end > from) out.push(pos >= from ? s : { ...s, text: s.text.slice(from - pos) });
    pos = end;
  }
  return out;
}
