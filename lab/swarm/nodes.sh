# shellcheck shell=bash
# The swarm lab's three nodes: a Linux bridge the host joins, one network namespace per node, and
# one dockerd per node with its own data-root, exec-root, socket and pidfile. Sourced by swarm.sh.
# The host's dockerd is never touched: every engine call here names a node's socket.

BRIDGE=fleetsw0
NET_PREFIX=10.213.0 # the bridge: host .1, nodeN .1N (clear of 172.17/16 and the compose lab's 172.18/16)
HOST_ADDR="$NET_PREFIX.1"
NODES=(node1 node2 node3)
# Marks the one host firewall rule the lab adds (and `down` removes).
IPT_TAG=fleetsw-lab

node_addr() { echo "$NET_PREFIX.1${1#node}"; }
node_dir() { echo "$SW_STATE/$1"; }
node_sock() { echo "$SW_STATE/$1/docker.sock"; }
node_netns() { echo "fleetsw-$1"; }
ndocker() { local n="$1"; shift; docker -H "unix://$(node_sock "$n")" "$@"; }

# The host's FORWARD policy is DROP (its dockerd's), and br_netfilter is on, so frames bridged
# between two nodes pass the host's iptables: accept fleetsw0-to-fleetsw0, nothing else.
ipt_rule=(FORWARD -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "$IPT_TAG" -j ACCEPT)

net_up() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    ip addr add "$HOST_ADDR/24" dev "$BRIDGE"
  fi
  ip link set "$BRIDGE" up
  iptables -C "${ipt_rule[@]}" 2>/dev/null || iptables -I "${ipt_rule[@]}"
}

net_down() {
  while iptables -D "${ipt_rule[@]}" 2>/dev/null; do :; done
  if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link del "$BRIDGE"; fi
}

# A fresh namespace for node N: loopback, eth0 on the bridge at its address, default route via the host.
netns_create() {
  local n="$1" ns veth
  ns="$(node_netns "$n")"; veth="fsw-$n"
  ip netns add "$ns"
  ip link add "$veth" type veth peer name eth0 netns "$ns"
  ip link set "$veth" master "$BRIDGE" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$(node_addr "$n")/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via "$HOST_ADDR"
}

netns_delete() {
  local ns; ns="$(node_netns "$1")"
  if ip netns list | grep -qx "$ns\( (id: [0-9]*)\)\?"; then ip netns del "$ns"; fi
  # the host end goes with the namespace's end; a half-made pair from a crash is removed here
  if ip link show "fsw-$1" >/dev/null 2>&1; then ip link del "fsw-$1"; fi
}

node_pid() { # the node's dockerd pid, if its pidfile names a live dockerd
  local pid
  pid="$(cat "$(node_dir "$1")/docker.pid" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == dockerd ]] && echo "$pid"
  return 0
}

node_alive() { [[ -n "$(node_pid "$1")" ]] && ndocker "$1" version >/dev/null 2>&1; }

# pids whose command line names FILE: the node's containerd and its shims (found by our own paths,
# never by a process name, so the host's containerd and shims are never matched).
pids_naming() {
  local needle="$1" p
  for p in /proc/[0-9]*; do
    tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qF -- "$needle" && echo "${p#/proc/}"
  done
  return 0
}

# Processes of the node's containers: the cgroup parent the node's dockerd was given.
container_pids() {
  cat /sys/fs/cgroup/pids/"fleetsw-$1"/*/cgroup.procs 2>/dev/null || true
}

# Stops node N and everything it started, also after a crash: dockerd (SIGTERM stops its
# containers), then whatever outlived it — containerd, shims, container processes — by pid.
node_stop() {
  local n="$1" pid dir left i
  dir="$(node_dir "$n")"
  pid="$(node_pid "$n")"
  if [[ -n "$pid" ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    for (( i = 0; i < 600; i++ )); do [[ -d "/proc/$pid" ]] || break; sleep 0.1; done
    [[ -d "/proc/$pid" ]] && { log "$n: dockerd $pid did not stop in 60 s, killing it"; kill -KILL "$pid" 2>/dev/null || true; }
  fi
  left="$(pids_naming "$dir/run/containerd/") $(container_pids "$n")"
  if [[ -n "${left// /}" ]]; then
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null || true
    sleep 0.5
  fi
  local cg
  for cg in /sys/fs/cgroup/*/"fleetsw-$n"; do
    [[ -d "$cg" ]] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  rm -f "$dir/docker.pid" "$dir/docker.sock"
  return 0
}

# Starts node N's dockerd in its namespaces: its own network namespace (made fresh), UTS (hostname
# nodeN, which Swarm reports) and mount namespace (its overlay and secret mounts stay out of the
# host's table and vanish with it; a tmpfs on /run/containerd makes it start its own containerd
# even if a system one ever appears there).
node_start() {
  local n="$1" i dir ns addr
  dir="$(node_dir "$n")"; ns="$(node_netns "$n")"; addr="$(node_addr "$n")"; i="${n#node}"
  node_stop "$n"
  netns_delete "$n"
  netns_create "$n"
  mkdir -p "$dir/data"
  rm -rf --one-file-system "$dir/run"
  mkdir -p "$dir/run"
  # Its own config file, not the host's /etc/docker/daemon.json, and its own engine key (the default,
  # /etc/docker/key.json, is the host engine's: every node would report the host's engine ID).
  printf '{"deprecated-key-path": "%s"}\n' "$dir/key.json" >"$dir/daemon.json"
  # docker0 and the local address pool (docker_gwbridge) differ per node, and from the bridge and
  # the overlay pool (10.214.0.0/16, swarm.sh), so no two networks of the lab ever share a subnet.
  local args=(
    --config-file "$dir/daemon.json"
    --data-root "$dir/data" --exec-root "$dir/run"
    --pidfile "$dir/docker.pid" -H "unix://$dir/docker.sock"
    --storage-driver "$SW_STORAGE_DRIVER"
    --bip "10.215.$i.1/24"
    --default-address-pool "base=10.216.$(( i * 16 )).0/20,size=24"
    --cgroup-parent "fleetsw-$n"
    --swarm-default-advertise-addr "$addr"
    --log-level warn
  )
  # shellcheck disable=SC2016 # $0 and $@ are the inner shell's: the hostname and dockerd's args
  setsid nsenter --net="/run/netns/$ns" unshare --uts --mount --propagation private \
    env DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 sh -c \
    'hostname "$0" && mount -t tmpfs -o mode=700 fleetsw-containerd /run/containerd && exec dockerd "$@"' \
    "$n" "${args[@]}" >>"$dir/dockerd.log" 2>&1 </dev/null 8>&- &  # fd 8: swarm.sh's lock, not the engine's
}

node_wait() { # node_wait N: until its engine answers (60 s)
  local n="$1" i
  for (( i = 0; i < 600; i++ )); do
    node_alive "$n" && return 0
    # dockerd writes its pidfile early: a pidfile without a live dockerd means it exited
    (( i > 20 )) && [[ -z "$(node_pid "$n")" ]] && break
    sleep 0.1
  done
  tail -n 20 "$(node_dir "$n")/dockerd.log" >&2
  die "$n: dockerd did not answer on $(node_sock "$n") (log: $(node_dir "$n")/dockerd.log)"
}

# Starts every node whose engine does not answer (a crashed one is cleaned up first).
nodes_up() {
  local n started=()
  net_up
  for n in "${NODES[@]}"; do
    node_alive "$n" && continue
    log "$n: starting dockerd ($(node_addr "$n"), $SW_STORAGE_DRIVER)"
    node_start "$n"
    started+=("$n")
  done
  for n in "${started[@]}"; do node_wait "$n"; done
}

nodes_down() {
  local n
  for n in "${NODES[@]}"; do node_stop "$n" & done
  wait
  for n in "${NODES[@]}"; do netns_delete "$n"; done
  net_down
}
