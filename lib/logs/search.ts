import { ApiError } from "@/lib/api/errors";

/** Only this much of a line is searched: bounds the cost of any pattern on a pathological line. */
export const SEARCH_PREFIX_CHARS = 16_384;

/**
 * A group that contains a quantifier and is itself quantified — (a+)+, (\w*x?)*, (a|a){2,} —
 * is the shape of catastrophic backtracking. Refused: the engine has no regex timeout.
 */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*(?:[*+]|\{\d+,?\d*\})(?:[^()\\]|\\.)*\)\s*(?:[*+]|\{\d+,?\d*\})/;
const REPEATED_ALTERNATION = /\((?:[^()\\]|\\.)*\|(?:[^()\\]|\\.)*\)\s*(?:[*+]|\{\d+,\d*\})/;

export type LineMatcher = (text: string) => boolean;

/**
 * The server-side search: `q` as plain text (case-insensitive) or, with `regex`, as a
 * case-insensitive regular expression. Null when there is nothing to search for.
 * An invalid or dangerous pattern is a 400 that says why.
 */
export function lineMatcher(q: string | undefined, regex: boolean): LineMatcher | null {
  if (!q) return null;
  if (!regex) {
    const needle = q.toLowerCase();
    return (text) => (text.length > SEARCH_PREFIX_CHARS ? text.slice(0, SEARCH_PREFIX_CHARS) : text).toLowerCase().includes(needle);
  }
  if (NESTED_QUANTIFIER.test(q) || REPEATED_ALTERNATION.test(q)) {
    throw new ApiError("bad_request", `Regex ${JSON.stringify(q)} repeats a group that itself repeats (like (a+)+): it can take exponential time. Simplify it.`);
  }
  let re: RegExp;
  try {
    re = new RegExp(q, "i");
  } catch (err) {
    throw new ApiError("bad_request", `Invalid regex: ${(err as Error).message}`);
  }
  return (text) => re.test(text.length > SEARCH_PREFIX_CHARS ? text.slice(0, SEARCH_PREFIX_CHARS) : text);
}
