#!/usr/bin/env bash
# Synapse Fleet swarm lab: the lab's Synapse deployment as a stack on a simulated 3-node Docker
# Swarm (three dockerds in network namespaces on one bridge), beside the compose lab.
# Usage: lab/swarm/swarm.sh up | down | status | env | selftest | render
# Never touches the host's dockerd, the compose lab or its config: every engine call names a
# node's own socket under lab/swarm/.state.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB="$(cd "$HERE/.." && pwd)"
# Not under lab/.state: the compose lab's `down` (and its claim of a stale project) removes that
# whole directory, and it must never delete a running swarm's data-roots.
SW_STATE="$HERE/.state"
SW_CONFIG="$SW_STATE/config"
SW_IMAGE=synapse-fleet-lab:latest
SW_STORAGE_DRIVER="${FLEET_SWARM_STORAGE_DRIVER:-overlay2}"
STACK=fleetsw
# Overlay subnets come from here (Swarm's default, 10.0.0.0/8, would include the lab's bridge).
OVERLAY_POOL=10.214.0.0/16

log() { echo "[swarm $(date +%T)] $*" >&2; }
die() { echo "[swarm] error: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { printf '%.1f' "$(echo "$(now) - $1" | bc)"; }

# shellcheck source=lab/swarm/nodes.sh
. "$HERE/nodes.sh"
# shellcheck source=lab/synapse-shared.sh
. "$LAB/synapse-shared.sh"
# shellcheck source=lab/swarm/config.sh
. "$HERE/config.sh"

lock() {
  exec 8>/var/tmp/fleetsw-swarm.lock
  flock -w 600 8 || die "another swarm.sh is running"
}

preflight() {
  [[ $(id -u) == 0 ]] || die "the swarm lab needs root (network namespaces, a bridge, dockerd)"
  local c
  for c in ip iptables nsenter unshare setsid dockerd docker bc sha256sum; do
    command -v "$c" >/dev/null || die "missing command: $c"
  done
  docker image inspect "$SW_IMAGE" >/dev/null 2>&1 \
    || die "no $SW_IMAGE on the host engine: build it with bash lab/lab.sh build"
}

# ----------------------------------------------------------------- image ----

# The host's lab image, loaded into every node whose copy differs: one `docker save`, read by
# each node's `docker load` through its own FIFO (the three loads run at once).
load_image() {
  local want n have todo=() pids=() t0
  want="$(docker image inspect -f '{{.Id}}' "$SW_IMAGE")"
  for n in "${NODES[@]}"; do
    have="$(ndocker "$n" image inspect -f '{{.Id}}' "$SW_IMAGE" 2>/dev/null || true)"
    [[ "$have" == "$want" ]] || todo+=("$n")
  done
  (( ${#todo[@]} )) || return 0
  t0="$(now)"
  log "loading $SW_IMAGE ($(docker image inspect -f '{{.Size}}' "$SW_IMAGE" | awk '{printf "%d MB", $1/1e6}')) into ${todo[*]}"
  local fifos=()
  for n in "${todo[@]}"; do
    local f; f="$(node_dir "$n")/image.fifo"
    rm -f "$f"; mkfifo "$f"; fifos+=("$f")
    ndocker "$n" load -q -i "$f" >/dev/null & pids+=($!)
  done
  docker save "$SW_IMAGE" | tee "${fifos[@]}" >/dev/null
  local p ok=1
  for p in "${pids[@]}"; do wait "$p" || ok=0; done
  rm -f "${fifos[@]}"
  (( ok )) || die "loading the image into a node failed"
  log "image loaded ($(since "$t0") s)"
}

# ----------------------------------------------------------------- swarm ----

swarm_state() { ndocker "$1" info -f '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.NodeAddr}}' 2>/dev/null; }

# node1 manages (advertising its bridge address); node2 and node3 join as workers. A node already
# in this swarm is left alone, so a rerun (or a node restarted after a crash, which rejoins with
# its kept state) changes nothing.
swarm_form() {
  local t0 s n token manager_addr
  t0="$(now)"; manager_addr="$(node_addr node1)"
  s="$(swarm_state node1)"
  if [[ "$s" != "active true $manager_addr" ]]; then
    [[ "$s" == inactive* ]] || ndocker node1 swarm leave --force >/dev/null 2>&1 || true
    log "swarm init on node1 ($manager_addr)"
    ndocker node1 swarm init --advertise-addr "$manager_addr" --listen-addr "$manager_addr:2377" \
      --default-addr-pool "$OVERLAY_POOL" --default-addr-pool-mask-length 24 >/dev/null
  fi
  token="$(ndocker node1 swarm join-token -q worker)"
  for n in node2 node3; do
    s="$(swarm_state "$n")"
    # in a swarm, and the manager knows it: ours (a re-made manager would not list it)
    [[ "$s" == "active false $(node_addr "$n")" ]] \
      && [[ -n "$(ndocker node1 node ls -q --filter "name=$n")" ]] && continue
    [[ "$s" == inactive* ]] || ndocker "$n" swarm leave --force >/dev/null 2>&1 || true
    log "$n joins as a worker"
    ndocker "$n" swarm join --token "$token" --advertise-addr "$(node_addr "$n")" "$manager_addr:2377" >/dev/null
  done
  wait_nodes_ready 60
  # entries left by an earlier identity of a node (it left and joined again): down and unused
  local id
  for id in $(ndocker node1 node ls -q --filter role=worker); do
    [[ "$(ndocker node1 node inspect -f '{{.Status.State}}' "$id")" == down ]] && ndocker node1 node rm --force "$id" >/dev/null
  done
  log "swarm formed: 3 nodes ready ($(since "$t0") s)"
}

wait_nodes_ready() { # wait_nodes_ready SECONDS
  local deadline=$(( $(date +%s) + $1 )) ready
  while :; do
    ready="$(ndocker node1 node ls --format '{{.Hostname}} {{.Status}}' | awk '$2 == "Ready" {print $1}' | sort -u | tr '\n' ' ')"
    [[ "$ready" == "node1 node2 node3 " ]] && return 0
    (( $(date +%s) < deadline )) || die "nodes not all Ready after $1 s (ready: ${ready:-none})"
    sleep 0.5
  done
}

# ----------------------------------------------------------------- stack ----

# key=file for every secret and config: the stack names each object by the file's content hash.
objects() {
  cat <<EOF
HOMESERVER=$SW_CONFIG/homeserver.yaml
SIGNING_KEY=$SW_CONFIG/$SERVER_NAME.signing.key
LOG_CONFIG=$SW_CONFIG/log.config
MEDIA_LOG_CONFIG=$SW_CONFIG/media_worker.log.config
WORKER_GENERIC_WORKER1=$SW_CONFIG/workers/generic_worker1.yaml
WORKER_MEDIA_WORKER=$SW_CONFIG/workers/media_worker.yaml
WORKER_FEDERATION_SENDER1=$SW_CONFIG/workers/federation_sender1.yaml
PROMETHEUS=$SW_CONFIG/prometheus/prometheus.yml
POSTGRES_SH=$LAB/runtime/postgres.sh
TXREDISAPI_PY=$LAB/txredisapi/txredisapi.py
TXREDISAPI_METADATA=$LAB/txredisapi/txredisapi-1.4.11.dist-info/METADATA
TXREDISAPI_RECORD=$LAB/txredisapi/txredisapi-1.4.11.dist-info/RECORD
TXREDISAPI_INSTALLER=$LAB/txredisapi/txredisapi-1.4.11.dist-info/INSTALLER
TXREDISAPI_TOP_LEVEL=$LAB/txredisapi/txredisapi-1.4.11.dist-info/top_level.txt
EOF
}

# The values stack.yml interpolates, exported.
stack_env() {
  # shellcheck disable=SC1091
  . "$SW_STATE/secrets.env"
  export POSTGRES_PASSWORD REDIS_PASSWORD
  export FSW_IMAGE="$SW_IMAGE" FSW_CONFIG="$SW_CONFIG" FSW_LAB="$LAB" FSW_NODE1_SOCK; FSW_NODE1_SOCK="$(node_sock node1)"
  local key file
  while IFS='=' read -r key file; do
    [[ -f "$file" ]] || die "missing $file"
    export "FSW_H_$key=$(sha256sum "$file" | cut -c1-12)"
  done < <(objects)
}

stack_deploy() {
  local t0 digest
  t0="$(now)"
  stack_env
  digest="$( { cat "$HERE/stack.yml"; env | grep -E '^(FSW_|POSTGRES_PASSWORD|REDIS_PASSWORD)' | sort; } | sha256sum | cut -c1-16)"
  if [[ "$(cat "$SW_STATE/deployed" 2>/dev/null)" == "$digest" ]] \
    && [[ "$(ndocker node1 service ls -q --filter "label=com.docker.stack.namespace=$STACK" | wc -l)" == 7 ]]; then
    log "stack $STACK already deployed from this stack.yml and config"
  else
    log "docker stack deploy $STACK (--resolve-image never)"
    ndocker node1 stack deploy --detach=true --resolve-image never --prune -c "$HERE/stack.yml" "$STACK" >/dev/null
    echo "$digest" >"$SW_STATE/deployed"
    prune_objects
  fi
  wait_converged 300
  relax_generic
  log "stack converged: every service 1/1 ($(since "$t0") s)"
}

# Secrets and configs of the stack that no service uses any more (an earlier content hash);
# one still in use is refused by the engine and kept.
prune_objects() {
  local kind name
  for kind in secret config; do
    for name in $(ndocker node1 "$kind" ls --filter "label=com.docker.stack.namespace=$STACK" --format '{{.Name}}'); do
      grep -q "${name##*-}" <(env | grep '^FSW_H_') || ndocker node1 "$kind" rm "$name" >/dev/null 2>&1 || true
    done
  done
}

# Every service of the stack 1/1 (a task with a healthcheck counts as running once it is healthy).
wait_converged() { # wait_converged SECONDS
  local deadline=$(( $(date +%s) + $1 )) pending
  while :; do
    pending="$(ndocker node1 service ls --filter "label=com.docker.stack.namespace=$STACK" --format '{{.Name}} {{.Replicas}}' | awk '$2 != "1/1" {print $1 "(" $2 ")"}' | tr '\n' ' ')"
    [[ -z "$pending" ]] && return 0
    (( $(date +%s) < deadline )) || { cmd_status >&2; die "not converged after $1 s: $pending"; }
    sleep 1
  done
}

GENERIC_SERVICE="${STACK}_synapse-worker-generic"
GENERIC_PIN="node.hostname == node2" # as stack.yml spells it: --constraint-rm matches the text

# The generic worker starts on node2 (stack.yml's constraint); once its task runs there the
# constraint is dropped (issue #15 §3: `node` is where a worker starts, not a pin), so a drain of
# node2 moves it. Swarm keeps a task whose node still matches on a constraints-only update.
relax_generic() {
  local constraints node
  constraints="$(ndocker node1 service inspect -f '{{json .Spec.TaskTemplate.Placement.Constraints}}' "$GENERIC_SERVICE")"
  [[ "$constraints" == *node2* ]] || return 0
  node="$(task_node "$GENERIC_SERVICE")"
  [[ "$node" == node2 ]] || die "$GENERIC_SERVICE runs on '$node', not node2"
  ndocker node1 service update --detach --constraint-rm "$GENERIC_PIN" "$GENERIC_SERVICE" >/dev/null
  log "generic worker running on node2: its placement constraint relaxed"
}

task_node() { # the node of SERVICE's running task
  local id
  id="$(ndocker node1 service ps -q --filter desired-state=running "$1" | head -n 1)"
  [[ -n "$id" ]] || return 0
  ndocker node1 node inspect -f '{{.Description.Hostname}}' \
    "$(ndocker node1 inspect -f '{{.NodeID}}' "$id")"
}

# -------------------------------------------------------------- commands ----

cmd_up() {
  local t0; t0="$(now)"
  preflight
  mkdir -p "$SW_STATE"
  nodes_up
  load_image
  write_config
  swarm_form
  stack_deploy
  log "swarm lab up ($(since "$t0") s)"
  cmd_status
}

cmd_down() {
  local t0; t0="$(now)"
  nodes_down
  rm -rf --one-file-system "$SW_STATE"
  log "swarm lab removed ($(since "$t0") s)"
}

cmd_status() {
  if ! node_alive node1; then echo "swarm lab: node1 is not running"; return 0; fi
  ndocker node1 node ls --format 'table {{.Hostname}}\t{{.Status}}\t{{.Availability}}\t{{.ManagerStatus}}'
  echo
  ndocker node1 stack ps "$STACK" --filter desired-state=running \
    --format 'table {{.Name}}\t{{.Node}}\t{{.CurrentState}}\t{{.Ports}}\t{{.Error}}' 2>/dev/null || echo "no stack $STACK"
}

cmd_env() {
  [[ -f "$SW_STATE/secrets.env" ]] || die "no swarm lab state; run: bash lab/swarm/swarm.sh up"
  # shellcheck disable=SC1091
  . "$SW_STATE/secrets.env"
  local n engines=()
  for n in "${NODES[@]}"; do engines+=("$n=unix://$(node_sock "$n")"); done
  cat <<EOF
FLEET_LAB_SWARM_MANAGER=unix://$(node_sock node1)
FLEET_SWARM_NODE_ENGINES=$(IFS=,; echo "${engines[*]}")
FLEET_LAB_SWARM_NODE_ADDRS=node1=$(node_addr node1),node2=$(node_addr node2),node3=$(node_addr node3)
FLEET_LAB_SWARM_STACK=$STACK
FLEET_LAB_SWARM_CONFIG_DIR=$SW_CONFIG
FLEET_LAB_SWARM_SYNAPSE_URL=http://$(node_addr node1):8008
FLEET_LAB_SWARM_PROMETHEUS_URL=http://$(node_addr node1):9090
FLEET_LAB_SWARM_DATABASE_URL=postgres://synapse:$POSTGRES_PASSWORD@$(node_addr node1):5432/fleet
EOF
}

main() {
  local cmd="${1:-}"; shift || true
  case "$cmd" in
    up) lock; cmd_up ;;
    down) lock; cmd_down ;;
    status) cmd_status ;;
    env) cmd_env ;;
    selftest)
      lock
      # shellcheck source=lab/swarm/selftest.sh
      . "$HERE/selftest.sh"
      cmd_selftest "$@" ;;
    render) stack_env; env | grep -E '^FSW_' | sort ;;
    *) echo "usage: $0 up | down | status | env | selftest | render" >&2; exit 2 ;;
  esac
}
main "$@"
