import { RE2JS, RE2JSException } from "re2js";

/**
 * A viewer's log search, compiled once for the server (lib/logs/search.ts) and the browser's
 * filter (components/logs/filter.ts). Browser-safe: no server-only imports.
 *
 * Regular expressions run on re2js, a port of RE2: matching time is linear in the text, whatever
 * the pattern, so no pattern can backtrack for hours as JS RegExp can on `(a+)+$` or `.*.*.*=$`.
 * Linear still has a constant that grows with the compiled program, so the program is bounded too.
 */

/** Longest search text accepted (plain or regex). Also the `q` bound of the log API. */
export const MAX_PATTERN_CHARS = 512;

/**
 * Largest compiled RE2 program accepted, in instructions. Linear time is O(program × text), and in
 * re2js the factor grows faster than the program: shapes that make the lazy DFA build a new state per
 * character (`(?:[^!]{0,35}[a-z]){2}!`, size 145) cost 0.2-0.7 µs a character on Synapse lines
 * (300-450 ms per 10k lines) and several µs on random text (scripts/bench/regex.ts). Patterns typed for real stay well
 * below: `ERROR|WARNING` 15, a UUID 38, an alternation of ten server names 105.
 */
export const MAX_PROGRAM_SIZE = 150;

/**
 * Only this much of a line is searched: with the program bound, one line costs at most a few tens of
 * milliseconds whatever the pattern (8 KiB × the worst few µs a character above).
 */
export const SEARCH_PREFIX_CHARS = 8_192;

/** Why a search cannot be used; the server answers it as a 400, the browser shows it inline. */
export class PatternError extends Error {
  constructor(
    message: string,
    /** RE2's own words when the pattern is simply invalid (a missing `)`), for callers that phrase it their way. */
    readonly syntax?: string,
  ) {
    super(message);
    this.name = "PatternError";
  }
}

export type TextMatcher = (text: string) => boolean;

function searchable(text: string): string {
  return text.length > SEARCH_PREFIX_CHARS ? text.slice(0, SEARCH_PREFIX_CHARS) : text;
}

/**
 * Compiles a search into a matcher: `q` as plain text or, with `regex`, as an RE2 regular expression;
 * both case-insensitive. Throws PatternError (too long, unsupported syntax such as backreferences or
 * lookaround, invalid, or a program too big to scan quickly).
 */
export function compilePattern(q: string, regex: boolean): TextMatcher {
  if (q.length > MAX_PATTERN_CHARS) {
    throw new PatternError(`The search is ${q.length} characters long; the limit is ${MAX_PATTERN_CHARS}.`);
  }
  if (!regex) {
    const needle = q.toLowerCase();
    return (text) => searchable(text).toLowerCase().includes(needle);
  }
  // Compiling is itself linear in the program, which counted repeats can make huge (`.{1000}` ×70 is
  // 73,000 instructions and 130 ms to compile): estimate first, then check the exact size.
  const estimate = estimateProgramSize(q);
  if (estimate > 4 * MAX_PROGRAM_SIZE) throw tooBig(q, `about ${estimate}`);
  let re: RE2JS;
  try {
    re = RE2JS.compile(q, RE2JS.CASE_INSENSITIVE);
  } catch (err) {
    if (err instanceof RE2JSException) throw explain(q, err);
    throw err;
  }
  const size = re.programSize();
  if (size > MAX_PROGRAM_SIZE) throw tooBig(q, String(size));
  return (text) => re.test(searchable(text));
}

function tooBig(q: string, size: string): PatternError {
  return new PatternError(
    `Regex ${JSON.stringify(q)} compiles to ${size} instructions; the limit is ${MAX_PROGRAM_SIZE}. Lower the counts in {n,m} or shorten the pattern.`,
  );
}

/** Constructs RE2 leaves out (they need backtracking), named after the fragment RE2 reports. */
const UNSUPPORTED: Array<[RegExp, string]> = [
  [/^\\[1-9]/, "a backreference (\\1)"],
  [/^\\k/, "a named backreference (\\k<name>)"],
  [/^\(\?[=!]/, "a lookahead ((?=…) or (?!…))"],
  [/^\(\?<[=!]/, "a lookbehind ((?<=…) or (?<!…))"],
  [/^\(\?>/, "an atomic group ((?>…))"],
  [/^\\u/, "a \\u escape (write \\x{00e9} instead)"],
  [/^\\Z/, "\\Z (write \\z or $ instead)"],
  [/^\\c/, "a control escape (\\cX)"],
];

/** RE2's reason, with the construct named when it is one RE2 deliberately lacks. */
function explain(q: string, err: RE2JSException): PatternError {
  // RE2 reports "error parsing regexp: <what>: `<fragment>`"; the fragment may carry the (?i) we added.
  const detail = err.message.replace(/^error parsing regexp: /, "").replace(/`\(\?i\)/, q.startsWith("(?i)") ? "`(?i)" : "`");
  const fragment = /`([^`]*)`$/.exec(detail)?.[1] ?? "";
  if (/invalid nested repetition operator/.test(detail) && /^[*+?}]\+$|\}\+$/.test(fragment)) {
    return new PatternError(`Regex ${JSON.stringify(q)} uses a possessive quantifier (${fragment}), which the linear-time search engine (RE2 syntax) does not support.`);
  }
  for (const [shape, name] of UNSUPPORTED) {
    if (shape.test(fragment)) {
      return new PatternError(`Regex ${JSON.stringify(q)} uses ${name}, which the linear-time search engine (RE2 syntax) does not support.`);
    }
  }
  return new PatternError(`Invalid regex: ${detail}`, detail);
}

interface Frame {
  /** Instructions of the alternatives closed so far, with their split instructions. */
  alts: number;
  /** Instructions of the current alternative. */
  seq: number;
  /** Instructions of the last atom or group, which a following quantifier repeats. */
  last: number;
}

/**
 * An estimate of the instructions RE2 compiles `pattern` into, read from the text without compiling:
 * one per atom, plus one per quantifier, counted repeats multiplying what they repeat. Only bounds the
 * work of compiling; the compiled program's exact size decides.
 */
export function estimateProgramSize(pattern: string): number {
  const stack: Frame[] = [{ alts: 0, seq: 0, last: 0 }];
  let top = stack[0];
  const atom = (size: number) => {
    top.seq += size;
    top.last = size;
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const next = pattern[i + 1];
      if (next === "Q") {
        // \Q…\E: every character a literal.
        const end = pattern.indexOf("\\E", i + 2);
        const stop = end < 0 ? pattern.length : end;
        top.seq += stop - (i + 2);
        top.last = 1;
        i = end < 0 ? pattern.length : end + 1;
        continue;
      }
      if ((next === "p" || next === "P" || next === "x") && pattern[i + 2] === "{") {
        const end = pattern.indexOf("}", i + 3);
        i = end < 0 ? pattern.length : end;
      } else {
        i++;
      }
      atom(1);
    } else if (c === "[") {
      i = classEnd(pattern, i);
      atom(1);
    } else if (c === "(") {
      const flags = pattern[i + 1] === "?" ? /^\(\?[a-zA-Z-]*\)/.exec(pattern.slice(i, i + 12)) : null;
      if (flags) {
        i += flags[0].length - 1; // (?i): sets flags, opens no group
        continue;
      }
      top = { alts: 0, seq: 0, last: 0 };
      stack.push(top);
    } else if (c === ")" && stack.length > 1) {
      const group = stack.pop()!;
      top = stack[stack.length - 1];
      atom(group.alts + group.seq + 2);
    } else if (c === "|") {
      top.alts += top.seq + 1;
      top.seq = 0;
      top.last = 0;
    } else if (c === "*" || c === "+" || c === "?") {
      top.seq += 1;
    } else if (c === "{" && /^\{\d+(,\d*)?\}/.test(pattern.slice(i, i + 24))) {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i, i + 24))!;
      const min = Number(m[1]);
      const max = m[3] ? Number(m[3]) : m[2] !== undefined ? min + 1 : min;
      const n = Math.max(min, max, 1);
      top.seq += top.last * (n - 1) + n;
      top.last *= n;
      i += m[0].length - 1;
    } else {
      atom(1);
    }
  }
  // Unclosed groups: the engine refuses them; count them anyway.
  let size = top.alts + top.seq;
  for (let d = stack.length - 2; d >= 0; d--) size += stack[d].alts + stack[d].seq + 2;
  return size;
}

/** Index of the `]` closing the class opened at `start` (a leading `]` or `[:name:]` inside are literal). */
function classEnd(pattern: string, start: number): number {
  let j = start + 1;
  if (pattern[j] === "^") j++;
  if (pattern[j] === "]") j++;
  for (; j < pattern.length; j++) {
    const c = pattern[j];
    if (c === "\\") j++;
    else if (c === "[" && pattern[j + 1] === ":") {
      const end = pattern.indexOf(":]", j + 2);
      if (end >= 0) j = end + 1;
    } else if (c === "]") return j;
  }
  return pattern.length;
}
