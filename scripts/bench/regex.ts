/**
 * Benchmark: compile + scan times of a log search over the same 10k Synapse lines, side by side
 * for native RegExp (backtracking: ordinary patterns only), re2js (what lib/logs/pattern.ts uses)
 * and re2-wasm (RE2 in WebAssembly, the alternative weighed; a devDependency for this script only).
 *
 * Lines: the lab's main process log (`docker logs fleetlab_synapse_1`, BENCH_REGEX_CONTAINER to
 * change it) when the lab is up, topped up to 10k with generated Synapse lines, plus adversarial
 * lines ("a" × 5000 + "!" and the like). Each figure is the median of BENCH_N runs (default 3),
 * each run compiling afresh, as a request does. Run: `npx tsx scripts/bench/regex.ts`.
 */
import { execFile } from "node:child_process";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { RE2JS } from "re2js";
import { MAX_PROGRAM_SIZE } from "@/lib/logs/pattern";
import { adversarialLines, CATASTROPHIC_PATTERNS, synapseLogLines } from "@/lib/logs/synapse-lines.fixture";

const RUNS = Math.max(1, Math.min(20, Number(process.env.BENCH_N ?? 3) || 3));
const CONTAINER = process.env.BENCH_REGEX_CONTAINER ?? "fleetlab_synapse_1";
const LINES = 10_000;
/** A scan slower than this on the first 1,000 lines is not run over all of them (re2-wasm can take minutes). */
const GIVE_UP_MS = 2_000;

const ORDINARY = ["ERROR|WARNING", "^\\d{4}-", "request.*GET", "(GET|POST)-\\d+", "\\bsync\\b", "[0-9a-f]{8}-[0-9a-f]{4}", "Failed to send transaction: .*(TimeoutError|ConnectionRefusedError)"];
/** Linear, but costly: the lazy DFA builds a new state per character. Sizes near and over MAX_PROGRAM_SIZE. */
const COSTLY = ["(?:[^!]{0,20}[a-z]){2}!", "(?:[^!]{0,35}[a-z]){2}!", "[a-z][^!]{0,70}[0-9]!", "(?:.{0,35}[aeiou]){2}!", "(?:.{0,145})x!", "(?:[^!]{0,70}[a-z]){2}!"];

type Matcher = { test(text: string): boolean };
type Engine = { name: string; compile: (pattern: string) => Matcher };

async function labLines(): Promise<string[]> {
  try {
    const { stdout, stderr } = await promisify(execFile)("docker", ["logs", "--tail", String(LINES), CONTAINER], { maxBuffer: 256 * 1024 * 1024 });
    return `${stdout}${stderr}`.split("\n").filter((l) => l.length > 0);
  } catch {
    return [];
  }
}

async function engines(): Promise<Engine[]> {
  const list: Engine[] = [{ name: "re2js", compile: (p) => RE2JS.compile(p, RE2JS.CASE_INSENSITIVE) }];
  try {
    const { RE2 } = await import("re2-wasm");
    list.push({ name: "re2-wasm", compile: (p) => new RE2(p, "iu") }); // re2-wasm requires the u flag
  } catch (err) {
    process.stderr.write(`[bench] re2-wasm not installed (${(err as Error).message.split("\n")[0]}): its column is skipped\n`);
  }
  return list;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median compile and scan times over RUNS fresh compilations; null when the engine refuses the pattern. */
function measure(compile: (p: string) => Matcher, pattern: string, lines: string[]): string {
  const compiles: number[] = [];
  const scans: number[] = [];
  let hits = 0;
  for (let run = 0; run < RUNS; run++) {
    let t = performance.now();
    let m: Matcher;
    try {
      m = compile(pattern);
    } catch (err) {
      return `refused (${(err as Error).message.slice(0, 40)})`;
    }
    compiles.push(performance.now() - t);
    t = performance.now();
    hits = 0;
    try {
      for (let i = 0; i < lines.length; i++) {
        if (m.test(lines[i])) hits++;
        if (i === 999 && performance.now() - t > GIVE_UP_MS) return `> ${GIVE_UP_MS} ms for 1,000 lines: stopped`;
      }
    } catch (err) {
      // re2-wasm aborts when its fixed 16 MiB heap runs out (a figure in itself).
      return `failed: ${(err as Error).message.split("\n")[0].slice(0, 40)}`;
    }
    scans.push(performance.now() - t);
  }
  return `${median(compiles).toFixed(2).padStart(7)} + ${median(scans).toFixed(1).padStart(7)} ms  ${String(hits).padStart(5)} hits`;
}

async function main() {
  const real = await labLines();
  const lines = [...real.slice(-LINES), ...synapseLogLines(Math.max(0, LINES - real.length)), ...adversarialLines()];
  const chars = lines.reduce((n, l) => n + l.length, 0);
  const list = await engines();
  const native: Engine = { name: "RegExp", compile: (p) => new RegExp(p, "i") };
  console.log(`regex benchmark: ${lines.length} lines (${real.length} from ${CONTAINER}, the rest generated), ${(chars / 1e6).toFixed(2)} M chars; median of ${RUNS}`);
  console.log(`each cell: compile + scan ms, hits; MAX_PROGRAM_SIZE = ${MAX_PROGRAM_SIZE}\n`);
  const header = (cols: Engine[]) => console.log(["pattern".padEnd(38), "size".padStart(5), ...cols.map((e) => e.name.padEnd(34))].join("  "));
  const row = (pattern: string, cols: Engine[]) => {
    let size = "-";
    try {
      size = String(RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE).programSize());
    } catch {
      // the cell says why
    }
    console.log([pattern.slice(0, 38).padEnd(38), size.padStart(5), ...cols.map((e) => measure(e.compile, pattern, lines).padEnd(34))].join("  "));
  };
  console.log("ordinary patterns");
  header([native, ...list]);
  for (const p of ORDINARY) row(p, [native, ...list]);
  console.log("\ncatastrophic for a backtracking engine (RegExp not run: it would not return)");
  header(list);
  for (const p of CATASTROPHIC_PATTERNS) row(p, list);
  console.log("\nlinear but costly (lib/logs/pattern.ts refuses programs over MAX_PROGRAM_SIZE)");
  header(list);
  for (const p of COSTLY) row(p, list);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
