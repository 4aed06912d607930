import { describe, expect, it } from "vitest";
import { compilePattern, estimateProgramSize, MAX_PATTERN_CHARS, MAX_PROGRAM_SIZE, PatternError, SEARCH_PREFIX_CHARS } from "./pattern";
import { adversarialLines, CATASTROPHIC_PATTERNS as CATASTROPHIC, synapseLogLines } from "./synapse-lines.fixture";

// A backtracking engine would not return on these lines for minutes; RE2 takes 5-40 ms (the 100 ms
// target is a figure of `npm run bench regex`). A bound of a second tells the two apart on a loaded machine.
const FREEZE_MS = 1_000;

const LINES = [...synapseLogLines(10_000), ...adversarialLines()];

function scan(matches: (text: string) => boolean): { ms: number; hits: number } {
  const started = performance.now();
  let hits = 0;
  for (const line of LINES) if (matches(line)) hits++;
  return { ms: performance.now() - started, hits };
}

describe("compilePattern: catastrophic patterns run in linear time", () => {
  it("has at least 15 of them, over 10k Synapse lines plus adversarial lines", () => {
    expect(CATASTROPHIC.length).toBeGreaterThanOrEqual(15);
    expect(LINES.length).toBe(10_000 + adversarialLines().length);
    expect(LINES.some((l) => l.length >= 5000)).toBe(true);
  });

  for (const pattern of CATASTROPHIC) {
    it(`compiles and scans ${pattern} without freezing`, () => {
      const started = performance.now();
      const matches = compilePattern(pattern, true);
      const { hits } = scan(matches);
      const ms = performance.now() - started;
      expect(ms, `${pattern}: ${ms.toFixed(1)} ms, ${hits} hits`).toBeLessThan(FREEZE_MS);
    });
  }

  it("answers the adversarial lines as a backtracking engine would, had it finished", () => {
    expect(compilePattern("^(a+)+$", true)("a".repeat(5000) + "!")).toBe(false);
    expect(compilePattern("^(a+)+$", true)("a".repeat(5000))).toBe(true);
    expect(compilePattern("(a|aa)+$", true)("a".repeat(4999) + "!")).toBe(false);
    expect(compilePattern("(x+x+)+y", true)("x".repeat(5000) + "y")).toBe(true);
    expect(compilePattern(".*.*.*.*.*.*.*.*=$", true)("=".repeat(5000) + "!")).toBe(false);
    expect(compilePattern(".*.*.*.*.*.*.*.*=$", true)("a=b=")).toBe(true);
  });
});

describe("compilePattern: ordinary searches keep working", () => {
  it("agrees with JS RegExp, case-insensitively, on the patterns operators type", () => {
    const lines = synapseLogLines(10_000);
    for (const pattern of ["ERROR|WARNING", "^\\d{4}-", "request.*GET", "(GET|POST)-\\d+", "\\bsync\\b", "@alice:fleet\\.test", "traceback", "^\\s+File \"", "\\d+B [45]\\d\\d "]) {
      const ours = compilePattern(pattern, true);
      const native = new RegExp(pattern, "i");
      const expected = lines.filter((l) => native.test(l)).length;
      expect(expected, pattern).toBeGreaterThan(0);
      expect(lines.filter((l) => ours(l)).length, pattern).toBe(expected);
    }
  });

  it("is case-insensitive both ways", () => {
    expect(compilePattern("error", true)("… - ERROR - GET-1 - …")).toBe(true);
    expect(compilePattern("ERROR", true)("an error")).toBe(true);
    expect(compilePattern("a.c", true)("ABC")).toBe(true);
    expect(compilePattern("GET-12", false)("… - get-12 - …")).toBe(true);
  });

  it("takes plain text literally", () => {
    expect(compilePattern("a.c", false)("abc")).toBe(false);
    expect(compilePattern("(a+)+$", false)("x (A+)+$ y")).toBe(true);
  });

  it("searches only the first SEARCH_PREFIX_CHARS of a line", () => {
    const late = "x".repeat(SEARCH_PREFIX_CHARS) + "needle";
    const early = "x".repeat(SEARCH_PREFIX_CHARS - 6) + "needle";
    for (const regex of [true, false]) {
      expect(compilePattern("needle", regex)(late)).toBe(false);
      expect(compilePattern("needle", regex)(early)).toBe(true);
    }
  });
});

describe("compilePattern: refusals name the reason", () => {
  const refusal = (pattern: string, regex = true): string => {
    try {
      compilePattern(pattern, regex);
    } catch (err) {
      expect(err).toBeInstanceOf(PatternError);
      return (err as Error).message;
    }
    throw new Error(`${pattern} was accepted`);
  };

  it("names syntax RE2 leaves out", () => {
    expect(refusal("(a)\\1")).toMatch(/backreference \(\\1\)/);
    expect(refusal("(?<n>a)\\k<n>")).toMatch(/named backreference/);
    expect(refusal("(?=a)")).toMatch(/lookahead/);
    expect(refusal("x(?!a)")).toMatch(/lookahead/);
    expect(refusal("(?<=a)b")).toMatch(/lookbehind/);
    expect(refusal("(?<!a)b")).toMatch(/lookbehind/);
    expect(refusal("a++")).toMatch(/possessive quantifier/);
    expect(refusal("\\u00e9")).toMatch(/\\x\{00e9\}/);
    for (const pattern of ["(a)\\1", "(?=a)", "(?<=a)b"]) expect(refusal(pattern)).toMatch(/linear-time search engine \(RE2 syntax\)/);
  });

  it("explains other invalid patterns without the flags it added", () => {
    expect(refusal("(")).toBe("Invalid regex: missing closing ): `(`");
    expect(refusal("[a")).toMatch(/missing closing \]/);
    expect(refusal("x{2,1}")).toMatch(/invalid repeat count/);
  });

  it("refuses a search longer than MAX_PATTERN_CHARS, plain or regex", () => {
    const long = "a".repeat(MAX_PATTERN_CHARS + 1);
    expect(refusal(long)).toMatch(new RegExp(`limit is ${MAX_PATTERN_CHARS}`));
    expect(refusal(long, false)).toMatch(new RegExp(`limit is ${MAX_PATTERN_CHARS}`));
    expect(() => compilePattern("a".repeat(MAX_PATTERN_CHARS), false)).not.toThrow();
  });

  it("refuses a program bigger than MAX_PROGRAM_SIZE, and the huge ones before compiling", () => {
    expect(refusal("(?:[^!]{0,35}[a-z]){3}!")).toMatch(new RegExp(`compiles to \\d+ instructions; the limit is ${MAX_PROGRAM_SIZE}`));
    const huge = ".{1000}".repeat(70);
    const started = performance.now();
    expect(refusal(huge)).toMatch(/compiles to about \d+ instructions/);
    // Compiling it would take >100 ms; the estimate answers at once.
    expect(performance.now() - started).toBeLessThan(20);
  });
});

describe("estimateProgramSize", () => {
  it("stays within the pre-check's slack for every pattern the exact check accepts", () => {
    for (const pattern of [...CATASTROPHIC, "ERROR|WARNING", "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}", "(?:\\w*\\s){40}x", "(?P<name>a)|\\Q.*\\E|[[:alpha:]]{20}", "\\p{Greek}{30}|\\x{41}{20}"]) {
      const estimate = estimateProgramSize(pattern);
      expect(estimate, pattern).toBeLessThanOrEqual(4 * MAX_PROGRAM_SIZE);
      expect(() => compilePattern(pattern, true), pattern).not.toThrow();
    }
  });

  it("multiplies counted repeats, nested ones included", () => {
    expect(estimateProgramSize("abc")).toBe(3);
    expect(estimateProgramSize("a{10}")).toBeGreaterThanOrEqual(10);
    expect(estimateProgramSize("(?:a{10}){10}")).toBeGreaterThanOrEqual(100);
    expect(estimateProgramSize("[{}]{5}")).toBeGreaterThanOrEqual(5); // braces in a class are literal
    expect(estimateProgramSize(".{1000}".repeat(70))).toBeGreaterThan(70_000);
  });
});
