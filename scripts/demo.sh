#!/usr/bin/env bash
# One command, a working demo: dependencies, lab images, the lab, the dashboard on :3000.
# FLEET_LAB_MODE=swarm: the same dashboard on the simulated 3-node swarm (lab/swarm) instead.
source "$(dirname "$0")/common.sh"
cd "$ROOT"

mode="${FLEET_LAB_MODE:-compose}"
case "$mode" in compose | swarm) ;; *) die "FLEET_LAB_MODE must be compose or swarm, not '$mode'" ;; esac

ensure_node_modules
ensure_docker
if [ "$mode" = swarm ]; then ensure_swarm_lab; else ensure_lab; fi
ensure_build

# The swarm's dashboard keeps its own history: it is another deployment than the compose lab's.
if [ "$mode" = swarm ]; then default_data="$ROOT/data/swarm"; else default_data="$ROOT/data"; fi
export FLEET_DATA_DIR="${FLEET_DATA_DIR:-$default_data}"
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
if [ "$mode" = swarm ]; then
  node2="$(tr , '\n' <<<"$FLEET_LAB_SWARM_NODE_ADDRS" | sed -n 's/^node2=//p')"
  lab_info="The swarm lab (3 nodes, stack fleetsw): main $FLEET_LAB_SWARM_SYNAPSE_URL, the generic worker http://$node2:8009 (node2; it moves if node2 is drained), Prometheus $FLEET_LAB_SWARM_PROMETHEUS_URL
  Nodes: bash lab/lab.sh status swarm; stop with Ctrl-C; take the swarm lab down (frees ~1.6 GB) with: npm run lab -- down swarm"
else
  lab_info="The lab's Synapse: http://localhost:8080 (its nginx entrypoint), :8008 (main), :8009 (generic worker), :8010 (media worker); Prometheus: http://localhost:9090
  Stop with Ctrl-C; tear the lab down with: npm run lab -- down"
fi
cat <<INFO

  Synapse Fleet is starting on port $PORT, listening on $FLEET_LISTEN (the server prints its URLs below)
  Sign in as "admin" with $how.
  $lab_info

INFO
# scripts/server.mjs, not `next start`: it drops X-Forwarded-* from untrusted peers and tells
# the app the real client address (login throttling, audit). exec: one PID for Ctrl-C.
exec node scripts/server.mjs
