# shellcheck shell=bash
# `swarm.sh selftest`: the swarm lab checked end to end (sourced by swarm.sh, which holds the lock).
# Nodes and tasks through node1's engine, HTTP through each node's address and host-mode ports
# (selftest.mjs), then a drain of node2: the generic worker must turn healthy on another node and
# take a login there. node2 is made active again and the worker put back on it, as it was found.

ST_PASSED=0
ST_FAILED=0

st_line() { # st_line ok|FAIL NAME [DETAIL]
  if [[ "$1" == ok ]]; then ST_PASSED=$(( ST_PASSED + 1 )); else ST_FAILED=$(( ST_FAILED + 1 )); fi
  printf '%-4s %s%s\n' "$1" "$2" "${3:+ - $3}"
}

# Where each service's one task must run, as stack.yml places it.
EXPECTED_PLACEMENT=(
  synapse=node1 postgres=node1 redis=node1 prometheus=node1 synapse-worker-media=node1
  synapse-worker-generic=node2 synapse-worker-federation-sender=node3
)

st_nodes() {
  local ready
  ready="$(ndocker node1 node ls --format '{{.Hostname}}:{{.Status}}:{{.Availability}}' | sort | tr '\n' ' ')"
  if [[ "$ready" == "node1:Ready:Active node2:Ready:Active node3:Ready:Active " ]]; then
    st_line ok "3 nodes Ready and Active" "$ready"
  else
    st_line FAIL "3 nodes Ready and Active" "$ready"
  fi
}

st_services() {
  local pair svc want replicas node
  for pair in "${EXPECTED_PLACEMENT[@]}"; do
    svc="${STACK}_${pair%%=*}"; want="${pair#*=}"
    replicas="$(ndocker node1 service ls --filter "name=$svc" --format '{{.Name}} {{.Replicas}}' | awk -v s="$svc" '$1 == s {print $2}')"
    node="$(task_node "$svc")"
    if [[ "$replicas" == 1/1 && "$node" == "$want" ]]; then
      st_line ok "$svc 1/1 on $node"
    else
      st_line FAIL "$svc 1/1 on $want" "replicas ${replicas:-none}, running on ${node:-no node}"
    fi
  done
}

st_http() { # st_http ARGS…: selftest.mjs, its lines counted here
  local out rc=0
  out="$(node "$HERE/selftest.mjs" --config "$SW_CONFIG" --main "http://$(node_addr node1):8008" \
    --media "http://$(node_addr node1):8010" --prom "http://$(node_addr node1):9090" \
    --nodes main=node1,media_worker=node1,generic_worker1=node2,federation_sender1=node3 "$@")" || rc=$?
  printf '%s\n' "$out" | grep -v ' passed, .* failed$' || true
  ST_PASSED=$(( ST_PASSED + $(grep -c '^ok ' <<<"$out" || true) ))
  ST_FAILED=$(( ST_FAILED + $(grep -c '^FAIL ' <<<"$out" || true) ))
  (( rc == 0 || rc == 1 )) || st_line FAIL "selftest.mjs exited with $rc"
}

# Seconds until SERVICE is 1/1 on a node other than AWAY (or on ONLY, when given).
wait_moved() { # wait_moved SERVICE AWAY|"" ONLY|"" LIMIT → echoes "node seconds" or fails
  local svc="$1" away="$2" only="$3" limit="$4" t0 node replicas
  t0="$(now)"
  while :; do
    node="$(task_node "$svc")"
    replicas="$(ndocker node1 service ls --filter "name=$svc" --format '{{.Name}} {{.Replicas}}' | awk -v s="$svc" '$1 == s {print $2}')"
    if [[ "$replicas" == 1/1 && -n "$node" && "$node" != "$away" && ( -z "$only" || "$node" == "$only" ) ]]; then
      echo "$node $(since "$t0")"; return 0
    fi
    (( $(echo "$(now) - $t0 < $limit" | bc) )) || return 1
    sleep 0.25
  done
}

# Put back whatever the drain changed, also when a check failed halfway.
st_restore() {
  ndocker node1 node update --availability active node2 >/dev/null 2>&1 || true
}

st_drain() {
  local svc="$GENERIC_SERVICE" moved node secs base
  trap st_restore EXIT
  ndocker node1 node update --availability drain node2 >/dev/null
  if moved="$(wait_moved "$svc" node2 "" 180)"; then
    read -r node secs <<<"$moved"
    st_line ok "drain node2: generic worker healthy on $node" "${secs} s from the drain to 1/1 (healthy)"
    base="http://$(node_addr "$node"):8009"
    st_http --only login --generic "$base"
  else
    st_line FAIL "drain node2: generic worker healthy on another node" "not 1/1 elsewhere within 180 s ($(task_node "$svc"))"
  fi
  ndocker node1 node update --availability active node2 >/dev/null
  st_line ok "node2 active again"
  # Back where stack.yml starts it: pinned to node2 until its task runs there, then relaxed.
  ndocker node1 service update --detach --constraint-add "$GENERIC_PIN" "$svc" >/dev/null
  if moved="$(wait_moved "$svc" "" node2 180)"; then
    read -r node secs <<<"$moved"
    relax_generic
    st_line ok "generic worker back on node2" "${secs} s"
  else
    st_line FAIL "generic worker back on node2" "not 1/1 there within 180 s ($(task_node "$svc"))"
  fi
  trap - EXIT
}

cmd_selftest() {
  local t0; t0="$(now)"
  node_alive node1 || die "the swarm lab is not up (bash lab/swarm/swarm.sh up)"
  echo "# swarm lab selftest: nodes $(node_addr node1) $(node_addr node2) $(node_addr node3)"
  st_nodes
  st_services
  st_http --generic "http://$(node_addr node2):8009"
  st_drain
  echo "# $(since "$t0") s"
  echo "$ST_PASSED passed, $ST_FAILED failed"
  (( ST_FAILED == 0 ))
}
