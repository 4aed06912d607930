#!/usr/bin/env bash
# Every test, against the real thing: the type checker and ESLint, unit and integration tests
# (vitest), the lab's self-test against real Synapse, and browser tests (Playwright + Debian chromium).
source "$(dirname "$0")/common.sh"
cd "$ROOT"

ensure_node_modules
ensure_docker
ensure_chromium
ensure_lab
ensure_build

results="$(mktemp -d)"
status=0

say "Type check (tsc --noEmit) and lint (eslint)"
if npx tsc --noEmit -p .; then echo "typecheck passed" >>"$results/checks.txt"; else echo "typecheck failed" >>"$results/checks.txt"; status=1; fi
if npx eslint . --max-warnings=0; then echo "lint passed" >>"$results/checks.txt"; else echo "lint failed" >>"$results/checks.txt"; status=1; fi

say "Unit and integration tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$results/vitest.json" || status=1

say "Lab self-test against real Synapse"
bash lab/lab.sh selftest | tee "$results/selftest.txt" || status=1

say "Browser tests (Playwright, Debian chromium)"
PLAYWRIGHT_JSON_OUTPUT_NAME="$results/playwright.json" npx playwright test --reporter=list,json || status=1

node scripts/test-summary.mjs "$results" || status=1
exit $status
