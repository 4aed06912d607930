# shellcheck shell=bash
# The part of homeserver.yaml that the compose lab (lab/lab.sh) and the swarm lab
# (lab/swarm/config.sh) share: metrics on, PostgreSQL and Redis by service name, Synapse's generated
# secrets, and rate limits generous enough for the tests. Printed, not written: each lab puts it
# between its own listeners and its own worker settings.
#
# hs_shared REDIS_COMMENT SECRETS   (POSTGRES_PASSWORD and REDIS_PASSWORD from the environment)
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
