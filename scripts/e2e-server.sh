#!/usr/bin/env bash
# The dashboard as the browser tests see it: a fresh database, a known admin, `next start`.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-3100}"
: "${FLEET_DATA_DIR:?}" "${FLEET_ADMIN_PASSWORD:?}" "${SYNAPSE_CONFIG_DIR:?run through npm test, which starts the lab}"
rm -rf "$FLEET_DATA_DIR"
npx tsx --conditions=react-server scripts/fleet.ts admin ensure >/dev/null
exec node node_modules/next/dist/bin/next start -p "$port"
