import { FleetError } from "@/lib/errors";
import { compilePattern, PatternError, type TextMatcher } from "./pattern";

export { SEARCH_PREFIX_CHARS } from "./pattern";

export type LineMatcher = TextMatcher;

/**
 * The server-side search: `q` as plain text (case-insensitive) or, with `regex`, as a
 * case-insensitive RE2 regular expression, matched in linear time (lib/logs/pattern.ts).
 * Null when there is nothing to search for. A pattern the engine cannot take is a 400 that says why.
 */
export function lineMatcher(q: string | undefined, regex: boolean): LineMatcher | null {
  if (!q) return null;
  try {
    return compilePattern(q, regex);
  } catch (err) {
    if (err instanceof PatternError) throw new FleetError("invalid", err.message);
    throw err;
  }
}
