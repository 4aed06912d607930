// Adds up every suite (checks, vitest, the lab's self-test, the three Playwright runs) into one closing line: "N passed, N failed".
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

/** Adds one vitest JSON report (the main run; the swarm lab's tests) to the totals. */
function addVitest(file, label) {
  const vitest = read(file);
  if (!vitest) {
    failed += 1;
    lines.push(`${label}: no report`);
    return;
  }
  const v = JSON.parse(vitest);
  passed += v.numPassedTests;
  failed += v.numFailedTests + (v.numTotalTestSuites && !v.success && v.numFailedTests === 0 ? 1 : 0);
  // A skipped or todo test is a check that did not run: it counts as a failure, as in Playwright.
  const notRun = (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
  failed += notRun;
  lines.push(`${label}: ${v.numPassedTests} passed, ${v.numFailedTests} failed, ${notRun} skipped or todo`);
}

addVitest("vitest.json", "vitest");

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

/**
 * Playwright's own summary tells four kinds of test that passed no check: interrupted, explicitly
 * skipped (test.skip, fixme, a skip annotation: it ran and was expected to skip), and "did not run"
 * (no result, e.g. the rest of a serial file after a failure, or a project whose dependency failed).
 * Its JSON stats lump them all into `skipped`, so they are told apart here as its reporter does.
 */
function playwrightOutcomes(report) {
  const out = { interrupted: 0, skipped: 0, didNotRun: 0 };
  const walk = (suite) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        if (t.status !== "skipped") continue;
        const results = t.results ?? [];
        if (results.some((r) => r.status === "interrupted")) out.interrupted += 1;
        else if (results.length === 0 || t.expectedStatus !== "skipped") out.didNotRun += 1;
        else out.skipped += 1;
      }
    }
    for (const child of suite.suites ?? []) walk(child);
  };
  for (const suite of report.suites ?? []) walk(suite);
  return out;
}

/** Adds one Playwright JSON report (the main run, the dashboard on PostgreSQL, the dashboard container) to the totals. */
function addPlaywright(file, label) {
  const pw = read(file);
  if (!pw) {
    failed += 1;
    lines.push(`${label}: no report`);
    return;
  }
  const report = JSON.parse(pw);
  const s = report.stats;
  const o = playwrightOutcomes(report);
  passed += s.expected;
  failed += s.unexpected + s.flaky;
  // A skipped browser test hides a missing check; so does an interrupted one.
  failed += o.skipped + o.interrupted;
  // Tests that did not run after a failure: that failure already fails the run. Without one,
  // something else kept them from running (a failed setup outside any test, a fatal error): a failure.
  if (o.didNotRun > 0 && s.unexpected + s.flaky + o.interrupted === 0) failed += o.didNotRun;
  if ((report.errors ?? []).length > 0) failed += 1;
  lines.push(`${label}: ${s.expected} passed, ${s.unexpected} failed, ${s.flaky} flaky, ${o.skipped} skipped, ${o.interrupted} interrupted, ${o.didNotRun} did not run`);
}

addPlaywright("playwright.json", "playwright");
// The access and lifecycle specs again, the dashboard on PostgreSQL; scripts/test.sh also notes
// whether the run left its users and tokens in the schema (else it never used PostgreSQL).
addPlaywright("playwright-postgres.json", "playwright (PostgreSQL)");
// Topology, logs and lifecycle against the lab's dashboard container (FLEET_E2E_TARGET=container).
addPlaywright("playwright-container.json", "playwright (dashboard container)");
// The swarm lab (issue #15): its integration tests and its browser story.
addVitest("vitest-swarm.json", "vitest (swarm)");
addPlaywright("playwright-swarm.json", "playwright (swarm)");
const pgUsed = checks?.includes("postgres schema used");
if (pgUsed) passed += 1;
else failed += 1;
lines.push(`postgres schema: ${pgUsed ? "used by the run" : "not used (or not read)"}`);

console.log(lines.join("\n"));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
