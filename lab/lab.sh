#!/usr/bin/env bash
# Synapse Fleet lab: a real Synapse 1.160 worker deployment on local Docker.
# Usage: lab/lab.sh build | up [workers|single] [--with-dashboard|--without-dashboard] | reset [workers|single]
#        | down | status | selftest [args] | env | render MODE DIR
set -euo pipefail

LAB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="$LAB/.state"
CONFIG="$STATE/config"
PROJECT=fleetlab
SERVER_NAME=fleet.test
COMPOSE_BASE="$LAB/docker-compose.yml"
COMPOSE_WORKERS="$LAB/docker-compose.workers.yml"
COMPOSE_DASHBOARD="$LAB/docker-compose.dashboard.yml"
# shellcheck source=lab/synapse-shared.sh
. "$LAB/synapse-shared.sh"
# The dashboard as a lab service (up --with-dashboard): remembered by this file, so a later plain
# `up`/`reset` (the tests run those) keeps the service instead of orphaning it.
DASHBOARD_FLAG="$STATE/with-dashboard"
DASHBOARD_SERVICE=dashboard
DASHBOARD_IMAGE=synapse-fleet-dashboard:latest
# The image's user (lab/dashboard/base.sh): the config dir is handed to it while the lab has the dashboard.
DASHBOARD_UID=10001
DEFAULT_DASHBOARD_PORT=3200
HTTP_SERVICES_WORKERS=(synapse synapse-worker-generic synapse-worker-media)
LB_SERVICE=lb

log() { echo "[lab] $*" >&2; }
die() { echo "[lab] error: $*" >&2; exit 1; }

lock() {
  exec 9>/var/tmp/fleetlab-lab.lock
  flock -w 600 9 || die "another lab.sh is running"
}

randhex() { od -An -tx1 -N"${1:-16}" /dev/urandom | tr -d ' \n'; }

has_dashboard() { [[ -f "$DASHBOARD_FLAG" ]]; }

# compose MODE ARGS: the lab's files for MODE, plus the dashboard's while the lab has it (or when
# WITH_DASHBOARD=1: `down` and a project claimed from elsewhere must take its volume too).
compose() {
  local mode="$1"; shift
  local files=(-f "$COMPOSE_BASE")
  [[ "$mode" == workers ]] && files+=(-f "$COMPOSE_WORKERS")
  if has_dashboard || [[ "${WITH_DASHBOARD:-0}" == 1 ]]; then
    files+=(-f "$COMPOSE_DASHBOARD")
    dashboard_env
  fi
  docker-compose -p "$PROJECT" --project-directory "$LAB" "${files[@]}" "$@"
}

current_mode() { cat "$STATE/mode" 2>/dev/null || echo workers; }

load_env() {
  # shellcheck disable=SC1091
  [[ -f "$STATE/secrets.env" ]] && . "$STATE/secrets.env"
  export POSTGRES_PASSWORD="${POSTGRES_PASSWORD:-unset}" REDIS_PASSWORD="${REDIS_PASSWORD:-unset}"
  export LAB_IMAGE; LAB_IMAGE="$(bash "$LAB/image/build.sh" --tag)"
  export LB_IMAGE; LB_IMAGE="$(bash "$LAB/lb/build.sh" --tag)"
  export FLEETLAB_MODE="${1:-$(current_mode)}"
}

ensure_image() { bash "$LAB/image/build.sh"; bash "$LAB/lb/build.sh"; }

# ---------------------------------------------------------------- state ----

ensure_secrets() {
  mkdir -p "$STATE" "$CONFIG/workers" "$CONFIG/prometheus"
  if [[ ! -f "$STATE/secrets.env" ]]; then
    umask 077
    printf 'POSTGRES_PASSWORD=%s\nREDIS_PASSWORD=%s\n' "$(randhex 16)" "$(randhex 16)" >"$STATE/secrets.env.tmp"
    mv "$STATE/secrets.env.tmp" "$STATE/secrets.env"
    umask 022
    log "generated PostgreSQL and Redis passwords ($STATE/secrets.env)"
  fi
  if [[ ! -f "$STATE/synapse-secrets.yaml" ]]; then
    log "synapse --generate-config (signing key + secrets)"
    local gen="$STATE/generate"
    rm -rf "$gen"; mkdir -p "$gen"
    docker run --rm -v "$gen:/gen" -w /gen "$LAB_IMAGE" \
      python3 -m synapse.app.homeserver --server-name "$SERVER_NAME" \
      --config-path /gen/homeserver.yaml --generate-config --report-stats=no >/dev/null
    grep -E '^(registration_shared_secret|macaroon_secret_key|form_secret):' "$gen/homeserver.yaml" \
      >"$STATE/synapse-secrets.yaml.tmp"
    [[ $(wc -l <"$STATE/synapse-secrets.yaml.tmp") == 3 ]] || die "unexpected --generate-config output"
    cp "$gen/$SERVER_NAME.signing.key" "$CONFIG/$SERVER_NAME.signing.key"
    chmod 640 "$CONFIG/$SERVER_NAME.signing.key"
    mv "$STATE/synapse-secrets.yaml.tmp" "$STATE/synapse-secrets.yaml"
    rm -rf "$gen"
  fi
}

# ------------------------------------------------------------ dashboard ----

# The dashboard's published port: the one remembered when it was added (a later plain `up` must not
# move it), else FLEET_LAB_DASHBOARD_PORT, else 3200.
dashboard_port() {
  local p
  p="$(cat "$DASHBOARD_FLAG" 2>/dev/null || true)"
  echo "${p:-${FLEET_LAB_DASHBOARD_PORT:-$DEFAULT_DASHBOARD_PORT}}"
}

dashboard_password() {
  sed -n 's/^FLEET_LAB_DASHBOARD_PASSWORD=//p' "$STATE/secrets.env" 2>/dev/null | tail -n 1
}

# What docker-compose.dashboard.yml reads.
dashboard_env() {
  export FLEETLAB_CONFIG_DIR="$CONFIG"
  export FLEET_LAB_DASHBOARD_PORT; FLEET_LAB_DASHBOARD_PORT="$(dashboard_port)"
  export FLEET_LAB_DASHBOARD_PASSWORD; FLEET_LAB_DASHBOARD_PASSWORD="$(dashboard_password)"
  FLEET_LAB_DASHBOARD_PASSWORD="${FLEET_LAB_DASHBOARD_PASSWORD:-unset}"
  export FLEETLAB_DOCKER_GID; FLEETLAB_DOCKER_GID="$(stat -c %g /var/run/docker.sock 2>/dev/null || echo 0)"
}

# The admin's password, generated once and kept with the lab's other secrets.
ensure_dashboard_secret() {
  grep -q '^FLEET_LAB_DASHBOARD_PASSWORD=' "$STATE/secrets.env" && return 0
  (umask 077; printf 'FLEET_LAB_DASHBOARD_PASSWORD=%s\n' "$(randhex 18)" >>"$STATE/secrets.env")
  log "generated the dashboard's admin password ($STATE/secrets.env)"
}

# The dashboard runs as uid 10001 and keeps each file's owner when it rewrites one
# (lib/fs/safe-write.ts), and a non-root writer cannot give a file back to root. So while the lab
# has the dashboard, the config dir belongs to 10001: root writers (lab.sh, the host's tests and
# dashboard) keep that owner, and Synapse, nginx and Prometheus run as root in their containers, so
# they read and write there as before (their new files, media and logs, are root's, mode 644/755,
# which the dashboard only reads). Without the dashboard it goes back to root.
own_config() { # own_config UID: every path of the config dir not owned by UID:UID yet
  local uid="$1" n
  [[ -d "$CONFIG" ]] || return 0
  n="$(find "$CONFIG" \( ! -uid "$uid" -o ! -gid "$uid" \) -print -exec chown -h "$uid:$uid" {} + | wc -l)"
  (( n == 0 )) || log "config dir: $n path(s) now owned by uid $uid"
}

# --with-dashboard: the image (build.sh: cached by content hash, rebuilt when the sources changed),
# the password, then the flag with the port. A build that fails leaves the lab without it.
add_dashboard() {
  local port="${FLEET_LAB_DASHBOARD_PORT:-$DEFAULT_DASHBOARD_PORT}" t0
  has_dashboard && port="$(dashboard_port)"
  [[ "$port" =~ ^[0-9]+$ ]] && (( port >= 1024 && port <= 65535 )) || die "FLEET_LAB_DASHBOARD_PORT must be a port number 1024-65535 (got $port)"
  t0=$(date +%s)
  bash "$LAB/dashboard/build.sh" >&2 || die "building the dashboard image failed (lab/dashboard/build.sh; it needs npm ci)"
  log "dashboard image ready ($(( $(date +%s) - t0 ))s)"
  ensure_dashboard_secret
  echo "$port" >"$DASHBOARD_FLAG"
}

# --without-dashboard: its container and its data volume go, the config dir goes back to root.
remove_dashboard() {
  has_dashboard || return 0
  log "removing the dashboard service and its data volume"
  compose "$(current_mode)" rm -s -f -v "$DASHBOARD_SERVICE" >&2
  docker volume rm "${PROJECT}_dashboard-data" >/dev/null 2>&1 || true
  rm -f "$DASHBOARD_FLAG"
  own_config 0
}

write_file() { # write_file PATH  (content on stdin), atomically
  local tmp="$1.tmp.$$"
  cat >"$tmp"; chmod 644 "$tmp"; mv "$tmp" "$1"
}

write_log_config() {
  [[ -f "$CONFIG/log.config" ]] && return 0
  write_file "$CONFIG/log.config" <<'EOF'
# Synapse logging for the lab: everything to the console (stdout) at INFO.
# Used by main (log_config) and every worker (worker_log_config).
version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s'
handlers:
  console:
    class: logging.StreamHandler
    formatter: precise
    stream: ext://sys.stdout
loggers:
  synapse.storage.SQL:
    level: INFO
root:
  level: INFO
  handlers: [console]
disable_existing_loggers: false
EOF
}

# The media worker logs to a file instead of the console, so the dashboard's file-log tail is
# tested against a real Synapse (tests/file-logs.test.ts, e2e/logs.spec.ts). The file lies under
# the config dir (/data/logs in the container): the dashboard reads it at the path the bind mount
# gives it. Rotation is Synapse's own handler's; logrotate-style rotation (rename + SIGHUP, or
# copytruncate) is what the tests do to it.
write_media_log_config() {
  mkdir -p "$CONFIG/logs"
  [[ -f "$CONFIG/media_worker.log.config" ]] && return 0
  write_file "$CONFIG/media_worker.log.config" <<'EOF'
# Synapse logging for the lab's media worker: to a file at INFO, rotated by the handler at 10 MiB
# (3 kept). Named by workers/media_worker.yaml (worker_log_config); re-read on SIGHUP.
# Unbuffered on purpose: Synapse's sample wraps the file handler in a memory buffer that holds
# INFO lines for up to 5 s, and the dashboard promises a line within 2 s.
version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s'
handlers:
  file:
    class: logging.handlers.RotatingFileHandler
    formatter: precise
    filename: /data/logs/media_worker.log
    maxBytes: 10485760
    backupCount: 3
    encoding: utf8
loggers:
  synapse.storage.SQL:
    level: INFO
root:
  level: INFO
  handlers: [file]
disable_existing_loggers: false
EOF
}

# A lab whose media worker file predates its own log config names the shared one: point it at its
# own (once; the worker must then be restarted to read it). Prints "migrated" when it did.
migrate_media_log_config() {
  local f="$CONFIG/workers/media_worker.yaml"
  [[ -f "$f" ]] && grep -qx 'worker_log_config: /data/log.config' "$f" || return 0
  sed 's#^worker_log_config: /data/log.config$#worker_log_config: /data/media_worker.log.config#' "$f" | write_file "$f"
  echo migrated
}

# write_worker NAME HEADER: workers/NAME.yaml, unless it exists (the dashboard may have edited it).
write_worker() {
  [[ -f "$CONFIG/workers/$1.yaml" ]] || { printf '%s\n' "$2"; worker_yaml "$1"; } | write_file "$CONFIG/workers/$1.yaml"
}

write_workers() {
  write_worker generic_worker1 "# Generic worker: client + federation APIs; stream writer for typing,
# to_device, account_data, receipts and presence (see homeserver.yaml)."
  write_worker media_worker "# Media repository worker. It also runs the media background jobs
# (media_instance_running_background_jobs in homeserver.yaml)."
  write_worker federation_sender1 "# Federation sender: no HTTP listener, metrics only.
# Listed in federation_sender_instances in homeserver.yaml."
}

write_homeserver() { # write_homeserver MODE
  local mode="$1" secrets
  secrets="$(cat "$STATE/synapse-secrets.yaml")"
  {
    cat <<EOF
# Synapse Fleet lab - homeserver.yaml (written by lab/lab.sh for mode: $mode)
# Shared by main and every worker (workers add /data/workers/<name>.yaml).
# Secrets below come from \`synapse --generate-config\` and are kept across rewrites.
# The dashboard may edit this file; keep comments when doing so.

server_name: "$SERVER_NAME"
public_baseurl: "http://localhost:8080/"
pid_file: /data/homeserver.pid
signing_key_path: "/data/$SERVER_NAME.signing.key"
media_store_path: /data/media_store
log_config: "/data/log.config"
report_stats: false
# no federation key notary in the lab
trusted_key_servers: []
suppress_key_server_warning: true

listeners:
  # client + federation APIs (published on the host as :8008)
  - port: 8008
    type: http
    tls: false
    x_forwarded: true
    bind_addresses: ['0.0.0.0']
    resources:
      - names: [client, federation]
        compress: false
EOF
    if [[ "$mode" == workers ]]; then cat <<'EOF'
  # HTTP replication for the workers (instance_map.main)
  - port: 9093
    type: http
    bind_addresses: ['0.0.0.0']
    resources:
      - names: [replication]
EOF
    fi
    cat <<EOF
  # Prometheus metrics (scraped by the prometheus service)
  - port: 9000
    type: metrics
    bind_addresses: ['0.0.0.0']

EOF
    hs_shared "Redis carries replication between main and the workers." "$secrets"
    if [[ "$mode" == workers ]]; then
      hs_workers "Host names are the compose service names."
    else cat <<'EOF'

# ---- single process ----
# Main serves client, federation and media itself.
enable_media_repo: true
EOF
    fi
  } | write_file "$CONFIG/homeserver.yaml"
}

write_prometheus() { # write_prometheus MODE
  local mode="$1"
  write_file "$CONFIG/prometheus/prometheus.yml" <<'EOF'
# Prometheus for the lab. Targets come from synapse-targets.json (file_sd),
# which lists every Synapse metrics listener, labelled job/index (as the stock
# Grafana dashboard expects) and worker.
global:
  scrape_interval: 5s
  scrape_timeout: 4s
  evaluation_interval: 15s

scrape_configs:
  - job_name: synapse
    metrics_path: /_synapse/metrics
    file_sd_configs:
      - files: ['/etc/prometheus/fleetlab/synapse-targets.json']
        refresh_interval: 5s
EOF
  {
    echo '['
    echo '  {"targets": ["synapse:9000"], "labels": {"job": "synapse", "index": "1", "worker": "main"}}'
    if [[ "$mode" == workers ]]; then
      echo ' ,{"targets": ["synapse-worker-generic:9001"], "labels": {"job": "generic_worker", "index": "1", "worker": "generic_worker1"}}'
      echo ' ,{"targets": ["synapse-worker-media:9002"], "labels": {"job": "media_worker", "index": "1", "worker": "media_worker"}}'
      echo ' ,{"targets": ["synapse-worker-federation-sender:9003"], "labels": {"job": "federation_sender", "index": "1", "worker": "federation_sender1"}}'
    fi
    echo ']'
  } | write_file "$CONFIG/prometheus/synapse-targets.json"
}

# The entrypoint's routes (nginx on :8080), rendered by the dashboard's own renderer from the route
# table (lab/lb/render-config.ts), so the dashboard's first plan finds the file it would write.
write_nginx() { # write_nginx MODE
  local mode="$1" tsx="$LAB/../node_modules/.bin/tsx" text
  [[ -x "$tsx" ]] || die "node_modules is missing: run npm ci first (the lab renders its nginx config with the dashboard's code)"
  mkdir -p "$CONFIG/nginx"
  text="$("$tsx" "$LAB/lb/render-config.ts" "$mode")" || die "rendering the nginx config failed"
  printf '%s\n' "$text" | write_file "$CONFIG/nginx/synapse.conf"
}

# ------------------------------------------------------------- commands ----

wait_healthy() { # wait_healthy MODE
  local mode="$1" deadline=$(( $(date +%s) + 180 )) names=() n s all
  if [[ "$mode" == workers ]]; then names=("${HTTP_SERVICES_WORKERS[@]}" "$LB_SERVICE" postgres); else names=(synapse "$LB_SERVICE" postgres); fi
  # The image's own HEALTHCHECK (GET /api/health every 10 s).
  if has_dashboard; then names+=("$DASHBOARD_SERVICE"); fi
  while :; do
    all=1
    for n in "${names[@]}"; do
      s="$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "${PROJECT}_${n}_1" 2>/dev/null || echo missing)"
      [[ "$s" == healthy ]] || { all=0; break; }
    done
    (( all )) && return 0
    (( $(date +%s) < deadline )) || { log "timed out waiting for $n ($s)"; return 1; }
    sleep 1
  done
}

# Workers the dashboard created carry no compose labels (so compose neither removes nor
# duplicates them); the lab removes the ones attached to its network itself.
remove_fleet_workers() {
  local ids
  ids="$(docker ps -aq --filter label=io.synapse-fleet.managed=true --filter "network=${PROJECT}_default")"
  if [[ -n "$ids" ]]; then
    log "removing $(wc -w <<<"$ids") worker container(s) created by the dashboard"
    docker rm -f $ids >/dev/null
  fi
}

# A fleetlab project whose state is gone (a fresh clone, a deleted .state) or that another
# checkout created cannot be reused: its database volume holds other passwords and keys.
claim_project() {
  local dirs
  dirs="$(docker ps -a --filter "label=com.docker.compose.project=$PROJECT" \
    --format '{{.Label "com.docker.compose.project.working_dir"}}' | sort -u)"
  local volume=0
  docker volume inspect "${PROJECT}_pgdata" >/dev/null 2>&1 && volume=1
  if [[ -z "$dirs" && $volume == 0 ]]; then return 0; fi
  if [[ ! -f "$STATE/secrets.env" ]] || { [[ -n "$dirs" ]] && [[ "$dirs" != "$LAB" ]]; }; then
    log "removing a $PROJECT project left by another checkout or an earlier state (${dirs:-volume only})"
    remove_fleet_workers
    WITH_DASHBOARD=1 compose workers down -v --remove-orphans -t 10 >/dev/null 2>&1 || true
    docker volume rm "${PROJECT}_pgdata" >/dev/null 2>&1 || true
    rm -rf "$STATE"
  fi
}

cmd_up() {
  local mode=workers dashboard="" prev changed=0 t0 a
  for a in "$@"; do
    case "$a" in
      workers|single) mode="$a" ;;
      --with-dashboard) dashboard=with ;;
      --without-dashboard) dashboard=without ;;
      *) die "up: unknown argument '$a' (workers|single, --with-dashboard, --without-dashboard)" ;;
    esac
  done
  t0=$(date +%s)
  ensure_image
  load_env "$mode"
  claim_project
  ensure_secrets
  load_env "$mode"
  if [[ "$dashboard" == with ]]; then
    add_dashboard
  elif [[ "$dashboard" == without ]]; then
    remove_dashboard
  elif has_dashboard && ! docker image inspect "$DASHBOARD_IMAGE" >/dev/null 2>&1; then
    add_dashboard # kept from an earlier `up --with-dashboard`, but its image is gone
  fi
  prev="$(cat "$STATE/mode" 2>/dev/null || true)"
  write_log_config
  local migrated=""
  if [[ "$mode" == workers ]]; then
    write_media_log_config
    migrated="$(migrate_media_log_config)"
    write_workers
  elif [[ "$prev" != single ]]; then
    # Single process means no worker files either: a first worker then starts from nothing.
    rm -f "$CONFIG/workers/generic_worker1.yaml" "$CONFIG/workers/media_worker.yaml" "$CONFIG/workers/federation_sender1.yaml"
  fi
  if [[ "$prev" != "$mode" || ! -f "$CONFIG/homeserver.yaml" ]]; then
    log "writing config for mode '$mode'${prev:+ (was '$prev')}"
    write_homeserver "$mode"
    write_prometheus "$mode"
    write_nginx "$mode"
    echo "$mode" >"$STATE/mode"
    changed=1
  elif [[ ! -f "$CONFIG/nginx/synapse.conf" ]]; then
    # A lab from before the entrypoint: its routes, and main's public_baseurl pointing at it.
    log "adding the nginx entrypoint (:8080)"
    write_nginx "$mode"
    sed 's#^public_baseurl: "http://localhost:8008/"$#public_baseurl: "http://localhost:8080/"#' "$CONFIG/homeserver.yaml" | write_file "$CONFIG/homeserver.yaml"
    changed=2
  fi
  if has_dashboard; then own_config "$DASHBOARD_UID"; fi
  local args=(up -d)
  # Remove the other mode's containers only when switching modes, so that
  # containers added to the project later are left alone on a plain re-run.
  (( changed == 1 )) && [[ -n "$prev" ]] && args+=(--remove-orphans)
  compose "$mode" "${args[@]}"
  if (( changed )) && docker exec "${PROJECT}_${LB_SERVICE}_1" nginx -s reload >/dev/null 2>&1; then
    log "nginx reloaded its routes"
  fi
  if (( changed == 2 )); then
    log "public_baseurl now names the entrypoint: restarting main"
    compose "$mode" restart synapse
  fi
  if [[ -n "$migrated" ]]; then
    log "media_worker now logs to /data/logs/media_worker.log: restarting it"
    compose "$mode" restart synapse-worker-media
  fi
  wait_healthy "$mode" || { cmd_status; die "lab not healthy"; }
  log "lab up in mode '$mode'$(has_dashboard && echo ", with the dashboard") ($(( $(date +%s) - t0 ))s)"
  cmd_status
}

cmd_down() {
  load_env
  remove_fleet_workers
  WITH_DASHBOARD=1 compose workers down -v --remove-orphans -t 10 || true
  rm -rf "$STATE"
  log "lab removed"
}

# Back to the lab's own config for MODE: dashboard-made workers removed, config rewritten.
cmd_reset() {
  local mode="${1:-workers}"
  remove_fleet_workers
  # Seen as a mode switch: config rewritten, the other mode's containers removed.
  [[ -d "$STATE" ]] && echo reset >"$STATE/mode"
  find "$CONFIG/workers" -name '*.yaml' -delete 2>/dev/null || true
  cmd_up "$mode"
}

cmd_status() {
  docker ps -a --filter "label=com.docker.compose.project=$PROJECT" \
    --format 'table {{.Names}}\t{{.Status}}\t{{.Ports}}' | sort
  [[ -f "$STATE/mode" ]] && echo "mode: $(cat "$STATE/mode")"
  if has_dashboard; then echo "dashboard: http://127.0.0.1:$(dashboard_port) (admin; password: lab.sh env)"; fi
  return 0
}

cmd_env() {
  [[ -f "$STATE/secrets.env" ]] || die "no lab state; run: lab/lab.sh up"
  # shellcheck disable=SC1091
  . "$STATE/secrets.env"
  cat <<EOF
SYNAPSE_CONFIG_DIR=$CONFIG
FLEET_PROMETHEUS_URL=http://localhost:9090
FLEET_TEST_DATABASE_URL=postgres://synapse:$POSTGRES_PASSWORD@127.0.0.1:55432/fleet
FLEET_LAB_COMPOSE_PROJECT=$PROJECT
FLEET_LAB_MODE=$(current_mode)
FLEET_LAB_SERVER_NAME=$SERVER_NAME
FLEET_LAB_SYNAPSE_URL=http://localhost:8008
FLEET_LAB_ENTRYPOINT_URL=http://localhost:8080
EOF
  if has_dashboard; then
    echo "FLEET_LAB_DASHBOARD_URL=http://127.0.0.1:$(dashboard_port)"
    echo "FLEET_LAB_DASHBOARD_PASSWORD=$(dashboard_password)"
  fi
}

# The config files `up MODE` writes, written into DIR instead (nothing else is touched): for tests
# that compare the planner's fixture with the lab (tests/lab-fixture.test.ts), single mode included.
cmd_render() { # render MODE DIR
  local mode="${1:-}" dir="${2:-}"
  [[ "$mode" == workers || "$mode" == single ]] || die "usage: render workers|single DIR"
  [[ -n "$dir" && -d "$dir" ]] || die "render: $dir is not a directory"
  [[ -f "$STATE/secrets.env" && -f "$STATE/synapse-secrets.yaml" ]] || die "no lab state; run: lab/lab.sh up"
  # shellcheck disable=SC1091
  . "$STATE/secrets.env"
  CONFIG="$(cd "$dir" && pwd)"
  mkdir -p "$CONFIG/workers" "$CONFIG/prometheus"
  write_log_config
  if [[ "$mode" == workers ]]; then write_media_log_config; write_workers; fi
  write_homeserver "$mode"
  write_prometheus "$mode"
  write_nginx "$mode"
}

cmd_selftest() {
  node "$LAB/selftest.mjs" "$@"
}

cmd_check_redis() { # edge cases of the lab's txredisapi, against the lab's Redis
  load_env
  docker run --rm --network "${PROJECT}_default" -e REDIS_PASSWORD \
    -e PYTHONPATH=/opt/fleetlab/python -v "$LAB/txredisapi:/opt/fleetlab/python:ro" \
    -v "$LAB/tests:/lab/tests:ro" "$LAB_IMAGE" python3 /lab/tests/txredisapi_check.py
}

main() {
  local cmd="${1:-}"; shift || true
  # The simulated 3-node swarm (issue 15) runs beside this lab, with its own engines and state.
  if [[ "${1:-}" == swarm && "$cmd" =~ ^(up|down|status|env|selftest)$ ]]; then
    shift; exec bash "$LAB/swarm/swarm.sh" "$cmd" "$@"
  fi
  case "$cmd" in
    build) lock; ensure_image ;;
    up) lock; cmd_up "$@" ;;
    down) lock; cmd_down ;;
    reset) lock; cmd_reset "$@" ;;
    status) cmd_status ;;
    selftest) cmd_selftest "$@" ;;
    env) cmd_env ;;
    render) cmd_render "$@" ;;
    check-redis) cmd_check_redis ;;
    compose) load_env; compose "$(current_mode)" "$@" ;; # the operator's own docker-compose, e.g. compose up -d --remove-orphans
    *) echo "usage: $0 build | up [workers|single] [--with-dashboard|--without-dashboard] | reset [workers|single] | down | status | selftest | env | render MODE DIR | check-redis | compose ARGS | up|down|status|env|selftest swarm" >&2; exit 2 ;;
  esac
}
main "$@"
