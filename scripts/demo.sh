#!/usr/bin/env bash
# One command, a working demo: dependencies, lab images, the lab, the dashboard on :3000.
source "$(dirname "$0")/common.sh"
cd "$ROOT"

ensure_node_modules
ensure_docker
ensure_lab
ensure_build

export FLEET_DATA_DIR="${FLEET_DATA_DIR:-$ROOT/data}"
export PORT="${PORT:-3000}"
say "Preparing the database and the admin user"
npm run --silent fleet -- admin ensure

if [ -n "${FLEET_ADMIN_PASSWORD:-}" ]; then
  how="the password in FLEET_ADMIN_PASSWORD"
else
  how="the password printed above (printed only when the admin is created; reset it with: npm run fleet -- user passwd admin)"
fi
cat <<INFO

  Synapse Fleet is starting on http://localhost:$PORT
  Sign in as "admin" with $how.
  The lab's Synapse: http://localhost:8008 (main), :8009 (generic worker), :8010 (media worker); Prometheus: http://localhost:9090
  Stop with Ctrl-C; tear the lab down with: npm run lab -- down

INFO
exec node node_modules/next/dist/bin/next start -p "$PORT"
