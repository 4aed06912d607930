# shellcheck shell=bash
# The Synapse config that the compose lab (lab/lab.sh) and the swarm lab (lab/swarm/config.sh)
# share, printed, not written: each lab puts it in its own files with its own comments.
#
# hs_shared REDIS_COMMENT SECRETS: homeserver.yaml's middle part — metrics on, PostgreSQL and Redis
# by service name, Synapse's generated secrets, rate limits generous enough for the tests
# (POSTGRES_PASSWORD and REDIS_PASSWORD from the environment).
hs_shared() {
  cat <<EOF
enable_metrics: true

database:
  name: psycopg2
  args:
    user: synapse
    password: "$POSTGRES_PASSWORD"
    database: synapse
    host: postgres
    port: 5432
    cp_min: 1
    cp_max: 5

# $1
redis:
  enabled: true
  host: redis
  port: 6379
  password: "$REDIS_PASSWORD"

enable_registration: false
$2

# Generous rate limits: the lab's tests log in and register repeatedly.
rc_login:
  address: {per_second: 1000, burst_count: 10000}
  account: {per_second: 1000, burst_count: 10000}
  failed_attempts: {per_second: 1000, burst_count: 10000}
rc_registration: {per_second: 1000, burst_count: 10000}
rc_message: {per_second: 1000, burst_count: 10000}
rc_joins:
  local: {per_second: 1000, burst_count: 10000}
  remote: {per_second: 1000, burst_count: 10000}
rc_invites:
  per_room: {per_second: 1000, burst_count: 10000}
  per_user: {per_second: 1000, burst_count: 10000}
EOF
}

# hs_workers HOSTS_COMMENT: the workers-mode settings both labs give homeserver.yaml (instance_map,
# stream writers, federation sender, media worker), after a "---- workers ----" heading.
hs_workers() {
  printf '\n# ---- workers ----\n# %s\n' "$1"
  cat <<'EOF'
instance_map:
  main:
    host: synapse
    port: 9093
  generic_worker1:
    host: synapse-worker-generic
    port: 9094

# Streams not listed stay on main (never write `main` here).
stream_writers:
  typing: [generic_worker1]
  to_device: [generic_worker1]
  account_data: [generic_worker1]
  receipts: [generic_worker1]
  presence: [generic_worker1]

federation_sender_instances:
  - federation_sender1

# Media is served by media_worker (workers/media_worker.yaml).
enable_media_repo: false
media_instance_running_background_jobs: media_worker
EOF
}

# worker_yaml NAME: the lab worker NAME's file below its header comment, the same in both labs.
worker_yaml() {
  case "$1" in
    generic_worker1) cat <<'EOF'
worker_app: synapse.app.generic_worker
worker_name: generic_worker1
worker_log_config: /data/log.config

worker_listeners:
  - type: http
    port: 8009
    bind_addresses: ['0.0.0.0']
    x_forwarded: true
    resources:
      - names: [client, federation]
  # HTTP replication: needed because this worker is a stream writer
  - type: http
    port: 9094
    bind_addresses: ['0.0.0.0']
    resources:
      - names: [replication]
  - type: metrics
    port: 9001
    bind_addresses: ['0.0.0.0']
EOF
      ;;
    media_worker) cat <<'EOF'
worker_app: synapse.app.generic_worker
worker_name: media_worker
worker_log_config: /data/media_worker.log.config

# Without this the worker answers /health but uploads return 404.
enable_media_repo: true

worker_listeners:
  - type: http
    port: 8010
    bind_addresses: ['0.0.0.0']
    x_forwarded: true
    resources:
      - names: [media, client]
  - type: metrics
    port: 9002
    bind_addresses: ['0.0.0.0']
EOF
      ;;
    federation_sender1) cat <<'EOF'
worker_app: synapse.app.generic_worker
worker_name: federation_sender1
worker_log_config: /data/log.config

worker_listeners:
  - type: metrics
    port: 9003
    bind_addresses: ['0.0.0.0']
EOF
      ;;
    *) echo "worker_yaml: no lab worker $1" >&2; return 1 ;;
  esac
}
