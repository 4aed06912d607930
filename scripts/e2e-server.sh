#!/usr/bin/env bash
# The dashboard as the browser tests see it: a fresh database, a known admin, scripts/server.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-3100}"
: "${FLEET_DATA_DIR:?}" "${FLEET_ADMIN_PASSWORD:?}" "${SYNAPSE_CONFIG_DIR:?run through npm test, which starts the lab}"
rm -rf "$FLEET_DATA_DIR"
mkdir -p "$FLEET_DATA_DIR"
# On PostgreSQL (DATABASE_URL, see playwright.config.ts) the fresh database is a new schema the
# caller made for this run; admin ensure migrates it on first use.
node_modules/.bin/tsx --conditions=react-server scripts/fleet.ts admin ensure >/dev/null
# Playwright calls http://localhost:PORT; "localhost" binds every loopback address it resolves
# to (127.0.0.1 and/or ::1), whichever one the test runner's lookup picks first.
export PORT="$port" FLEET_LISTEN=localhost
unset FLEET_TRUSTED_PROXIES
# The server's own output is also kept in the data dir: a test reads it for secrets at the end.
exec node scripts/server.mjs > >(tee -a "$FLEET_DATA_DIR/server.log") 2>&1
