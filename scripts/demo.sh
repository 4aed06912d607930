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
# Loopback only unless asked: the dashboard holds the Docker socket. To open it, put TLS in
# front (docs/SECURITY.md) and set FLEET_LISTEN=0.0.0.0 (and FLEET_TRUSTED_PROXIES to the proxy).
export FLEET_LISTEN="${FLEET_LISTEN:-127.0.0.1}"
say "Preparing the database and the admin user"
npm run --silent fleet -- admin ensure

if [ -n "${FLEET_ADMIN_PASSWORD:-}" ]; then
  how="the password in FLEET_ADMIN_PASSWORD"
else
  how="the password printed above (printed only when the admin is created; reset it with: npm run fleet -- user passwd admin)"
fi
cat <<INFO

  Synapse Fleet is starting on port $PORT, listening on $FLEET_LISTEN (the server prints its URLs below)
  Sign in as "admin" with $how.
  The lab's Synapse: http://localhost:8080 (its nginx entrypoint), :8008 (main), :8009 (generic worker), :8010 (media worker); Prometheus: http://localhost:9090
  Stop with Ctrl-C; tear the lab down with: npm run lab -- down

INFO
# scripts/server.mjs, not `next start`: it drops X-Forwarded-* from untrusted peers and tells
# the app the real client address (login throttling, audit). exec: one PID for Ctrl-C.
exec node scripts/server.mjs
