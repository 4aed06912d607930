// Adds up the three suites into one closing line: "N passed, N failed".
import fs from "node:fs";
import path from "node:path";

const dir = process.argv[2];
const read = (f) => {
  try {
    return fs.readFileSync(path.join(dir, f), "utf8");
  } catch {
    return null;
  }
};

let passed = 0;
let failed = 0;
const lines = [];

const checks = read("checks.txt");
for (const name of ["typecheck", "lint"]) {
  const ok = checks?.includes(`${name} passed`);
  if (ok) passed += 1;
  else failed += 1;
  lines.push(`${name}: ${ok ? "passed" : "failed"}`);
}

const vitest = read("vitest.json");
if (vitest) {
  const v = JSON.parse(vitest);
  passed += v.numPassedTests;
  failed += v.numFailedTests + (v.numTotalTestSuites && !v.success && v.numFailedTests === 0 ? 1 : 0);
  // A skipped or todo test is a check that did not run: it counts as a failure, as in Playwright.
  const notRun = (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
  failed += notRun;
  lines.push(`vitest: ${v.numPassedTests} passed, ${v.numFailedTests} failed, ${notRun} skipped or todo`);
} else {
  failed += 1;
  lines.push("vitest: no report");
}

const selftest = read("selftest.txt");
const m = selftest && /(\d+) passed, (\d+) failed/.exec(selftest);
if (m) {
  passed += Number(m[1]);
  failed += Number(m[2]);
  lines.push(`lab selftest: ${m[1]} passed, ${m[2]} failed`);
} else {
  failed += 1;
  lines.push("lab selftest: no result");
}

const pw = read("playwright.json");
if (pw) {
  const s = JSON.parse(pw).stats;
  passed += s.expected;
  failed += s.unexpected + s.flaky;
  lines.push(`playwright: ${s.expected} passed, ${s.unexpected} failed, ${s.flaky} flaky, ${s.skipped} skipped`);
  if (s.skipped > 0) failed += s.skipped; // a skipped browser test hides a missing check
} else {
  failed += 1;
  lines.push("playwright: no report");
}

console.log(lines.join("\n"));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
