#!/usr/bin/env bash
# Every test, against the real thing: unit and integration tests (vitest), the lab's
# self-test against real Synapse, and browser tests (Playwright + Debian chromium).
source "$(dirname "$0")/common.sh"
cd "$ROOT"

ensure_node_modules
ensure_docker
ensure_chromium
ensure_lab
ensure_build

results="$(mktemp -d)"
status=0

say "Unit and integration tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$results/vitest.json" || status=1

say "Lab self-test against real Synapse"
bash lab/lab.sh selftest | tee "$results/selftest.txt" || status=1

say "Browser tests (Playwright, Debian chromium)"
PLAYWRIGHT_JSON_OUTPUT_NAME="$results/playwright.json" npx playwright test --reporter=list,json || status=1

node scripts/test-summary.mjs "$results" || status=1
exit $status
