# shellcheck shell=bash
# The swarm lab's Synapse config: the same kind of files lab/lab.sh writes for the compose lab's
# workers mode (homeserver.yaml, worker files, log configs, Prometheus), in the swarm's own dir
# ($SW_CONFIG), never the compose lab's. Host names are the stack's service names, which resolve on
# the stack's overlay. Sourced by swarm.sh; each file is written once (a rerun changes nothing, so
# the objects named by their hash stay the same).

SERVER_NAME=fleet.test

write_file() { # write_file PATH MODE (content on stdin), atomically
  local tmp="$1.tmp.$$"
  cat >"$tmp"; chmod "$2" "$tmp"; mv "$tmp" "$1"
}

randhex() { od -An -tx1 -N"${1:-16}" /dev/urandom | tr -d ' \n'; }

# Passwords of PostgreSQL and Redis, and Synapse's own secrets and signing key from
# `--generate-config`, run once on node1's engine (never the host's).
ensure_secrets() {
  mkdir -p "$SW_CONFIG/workers" "$SW_CONFIG/prometheus"
  if [[ ! -f "$SW_STATE/secrets.env" ]]; then
    printf 'POSTGRES_PASSWORD=%s\nREDIS_PASSWORD=%s\n' "$(randhex 16)" "$(randhex 16)" | write_file "$SW_STATE/secrets.env" 600
  fi
  if [[ ! -f "$SW_STATE/synapse-secrets.yaml" ]]; then
    log "synapse --generate-config on node1 (signing key + secrets)"
    local gen="$SW_STATE/generate"
    rm -rf "$gen"; mkdir -p "$gen"
    ndocker node1 run --rm -v "$gen:/gen" -w /gen "$SW_IMAGE" \
      python3 -m synapse.app.homeserver --server-name "$SERVER_NAME" \
      --config-path /gen/homeserver.yaml --generate-config --report-stats=no >/dev/null
    grep -E '^(registration_shared_secret|macaroon_secret_key|form_secret):' "$gen/homeserver.yaml" \
      | write_file "$SW_STATE/synapse-secrets.yaml.new" 600
    [[ $(wc -l <"$SW_STATE/synapse-secrets.yaml.new") == 3 ]] || die "unexpected --generate-config output"
    write_file "$SW_CONFIG/$SERVER_NAME.signing.key" 600 <"$gen/$SERVER_NAME.signing.key"
    mv "$SW_STATE/synapse-secrets.yaml.new" "$SW_STATE/synapse-secrets.yaml"
    rm -rf "$gen"
  fi
  # shellcheck disable=SC1091
  . "$SW_STATE/secrets.env"
}

write_log_configs() {
  [[ -f "$SW_CONFIG/log.config" ]] || write_file "$SW_CONFIG/log.config" 644 <<'EOF'
# Synapse logging for the swarm lab: everything to the console (the task's log) at INFO.
# Used by main (log_config) and the generic worker and federation sender (worker_log_config).
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
  # As in the compose lab, the media worker logs to a file: /data/logs is a volume on node1.
  [[ -f "$SW_CONFIG/media_worker.log.config" ]] || write_file "$SW_CONFIG/media_worker.log.config" 644 <<'EOF'
# Synapse logging for the swarm lab's media worker: to a file at INFO, rotated at 10 MiB (3 kept).
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

# write_worker NAME HEADER: workers/NAME.yaml, written once.
write_worker() {
  [[ -f "$SW_CONFIG/workers/$1.yaml" ]] || { printf '%s\n' "$2"; worker_yaml "$1"; } | write_file "$SW_CONFIG/workers/$1.yaml" 644
}

write_workers() {
  write_worker generic_worker1 "# Generic worker (node2): client + federation APIs; stream writer for typing, to_device,
# account_data, receipts and presence (see homeserver.yaml)."
  write_worker media_worker "# Media repository worker (node1, beside main: they share the media store volume). It also runs
# the media background jobs (media_instance_running_background_jobs in homeserver.yaml)."
  write_worker federation_sender1 "# Federation sender (node3): no HTTP listener, metrics only.
# Listed in federation_sender_instances in homeserver.yaml."
}

write_homeserver() {
  [[ -f "$SW_CONFIG/homeserver.yaml" ]] && return 0
  local secrets; secrets="$(cat "$SW_STATE/synapse-secrets.yaml")"
  {
    cat <<EOF
# Synapse Fleet swarm lab - homeserver.yaml (written by lab/swarm/swarm.sh)
# Shared by main and every worker (workers add /data/workers/<name>.yaml). Reaches the services
# as a Swarm secret named by its content hash. Host names are the stack's service names.

server_name: "$SERVER_NAME"
public_baseurl: "http://$(node_addr node1):8008/"
pid_file: /data/homeserver.pid
signing_key_path: "/data/$SERVER_NAME.signing.key"
media_store_path: /data/media_store
log_config: "/data/log.config"
report_stats: false
# no federation key notary in the lab
trusted_key_servers: []
suppress_key_server_warning: true

listeners:
  # client + federation APIs (published on node1 as :8008, mode host)
  - port: 8008
    type: http
    tls: false
    x_forwarded: true
    bind_addresses: ['0.0.0.0']
    resources:
      - names: [client, federation]
        compress: false
  # HTTP replication for the workers (instance_map.main)
  - port: 9093
    type: http
    bind_addresses: ['0.0.0.0']
    resources:
      - names: [replication]
  # Prometheus metrics (found by the prometheus service through dockerswarm_sd_configs)
  - port: 9000
    type: metrics
    bind_addresses: ['0.0.0.0']

EOF
    hs_shared "Redis carries replication between main and the workers, across the nodes." "$secrets"
    hs_workers "Host names are the stack's service names (DNS round robin on the overlay: a moved task's new
# address is what the name resolves to)."
  } | write_file "$SW_CONFIG/homeserver.yaml" 600
}

# Prometheus asks node1's engine (the manager: its socket is mounted into the task) for the tasks,
# and scrapes each Synapse task at its overlay address and the metrics port its service's labels
# name, so a worker that moves to another node is found again without rewriting a file.
write_prometheus() {
  [[ -f "$SW_CONFIG/prometheus/prometheus.yml" ]] && return 0
  write_file "$SW_CONFIG/prometheus/prometheus.yml" 644 <<'EOF'
# Prometheus for the swarm lab: Synapse targets from the manager's task list (dockerswarm_sd).
# A service is scraped when it carries io.synapse-fleet.metrics.port; job, index and worker come
# from its io.synapse-fleet.metrics.job/.index and io.synapse-fleet.worker labels (the compose
# lab's target labels), node from the node that runs the task.
global:
  scrape_interval: 5s
  scrape_timeout: 4s
  evaluation_interval: 15s

scrape_configs:
  - job_name: synapse
    metrics_path: /_synapse/metrics
    dockerswarm_sd_configs:
      - host: unix:///var/run/docker.sock
        role: tasks
        refresh_interval: 5s
    relabel_configs:
      - source_labels: [__meta_dockerswarm_task_desired_state]
        regex: running
        action: keep
      - source_labels: [__meta_dockerswarm_network_name]
        regex: fleetsw_default
        action: keep
      - source_labels: [__meta_dockerswarm_service_label_io_synapse_fleet_metrics_port]
        regex: '[0-9]+'
        action: keep
      # one target per task: its overlay address with the metrics port (the task's published
      # ports would otherwise each give a target of their own)
      - source_labels: [__address__, __meta_dockerswarm_service_label_io_synapse_fleet_metrics_port]
        regex: '(.+):[0-9]+;([0-9]+)'
        target_label: __address__
        replacement: '$1:$2'
      - source_labels: [__meta_dockerswarm_service_label_io_synapse_fleet_metrics_job]
        target_label: job
      - source_labels: [__meta_dockerswarm_service_label_io_synapse_fleet_metrics_index]
        target_label: index
      - source_labels: [__meta_dockerswarm_service_label_io_synapse_fleet_worker]
        target_label: worker
      - source_labels: [__meta_dockerswarm_node_hostname]
        target_label: node
EOF
}

write_config() {
  ensure_secrets
  write_log_configs
  write_workers
  write_homeserver
  write_prometheus
}
