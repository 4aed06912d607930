# Shared steps of `npm run demo` and `npm test`: make a fresh clone runnable.
# Sourced, not run. Everything here is idempotent and quick when already done.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export NEXT_TELEMETRY_DISABLED=1

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Node dependencies: `npm ci` when node_modules is missing or older than the lock file.
ensure_node_modules() {
  if [ ! -f "$ROOT/node_modules/.package-lock.json" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    say "Installing Node dependencies (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund)
  fi
}

# A reachable Docker Engine. As root on a machine with dockerd installed, start it.
ensure_docker() {
  if docker info >/dev/null 2>&1; then return; fi
  # A fresh Debian machine, as root, with the local engine: install docker.io (and docker-compose,
  # which the lab runs) and start dockerd, as the chromium and debootstrap steps do.
  if [ "$(id -u)" = 0 ] && [ -z "${DOCKER_HOST:-}" ]; then
    if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker-compose >/dev/null 2>&1; then
      command -v apt-get >/dev/null 2>&1 || die "no Docker Engine and no apt-get: install Docker yourself"
      say "Installing Debian docker.io and docker-compose"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io docker-compose >/dev/null
    fi
    if ! pgrep -x dockerd >/dev/null 2>&1; then
      say "Starting dockerd"
      # A socket and pid file left by a dockerd that was killed would keep the new one from starting.
      rm -f /var/run/docker.sock /var/run/docker.pid
      (dockerd >/var/log/dockerd.log 2>&1 &)
    fi
    for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && return; sleep 0.5; done
  fi
  docker info >/dev/null 2>&1 || die "no Docker Engine is reachable (DOCKER_HOST=${DOCKER_HOST:-unset}); install docker.io and start dockerd"
}

# Debian's chromium for the browser tests (never Playwright's own download).
ensure_chromium() {
  [ -x /usr/bin/chromium ] && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "Installing Debian chromium"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  [ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing: apt-get install chromium"
}

# Brings the lab up in workers mode and exports what the dashboard needs to find it.
ensure_lab() {
  say "Bringing up the Synapse lab (workers mode)"
  bash "$ROOT/lab/lab.sh" up workers
  set -a
  eval "$(bash "$ROOT/lab/lab.sh" env)"
  set +a
}

# The simulated 3-node swarm (lab/swarm, issue 15), made from the compose lab's image (built here if
# missing; the compose lab itself need not run), and the environment of a dashboard on it: the
# manager's engine, the swarm's config dir and Prometheus, each node's engine (FLEET_LAB_SWARM_* too).
ensure_swarm_lab() {
  say "Bringing up the swarm lab (three nodes; the lab image loaded into each)"
  bash "$ROOT/lab/lab.sh" build
  bash "$ROOT/lab/lab.sh" up swarm
  set -a
  eval "$(bash "$ROOT/lab/lab.sh" env swarm)"
  set +a
  export DOCKER_HOST="$FLEET_LAB_SWARM_MANAGER" SYNAPSE_CONFIG_DIR="$FLEET_LAB_SWARM_CONFIG_DIR" FLEET_PROMETHEUS_URL="$FLEET_LAB_SWARM_PROMETHEUS_URL"
}

# A production build of the dashboard, rebuilt only when a source file is newer than it.
ensure_build() {
  local stamp="$ROOT/.next/BUILD_ID"
  if [ -f "$stamp" ] && [ -z "$(cd "$ROOT" && find app components lib public next.config.ts package-lock.json -newer "$stamp" -type f 2>/dev/null | head -1)" ]; then
    return
  fi
  say "Building the dashboard (next build)"
  (cd "$ROOT" && node node_modules/next/dist/bin/next build)
}
