#!/usr/bin/env bash
# `npm run bench`: performance figures measured side by side with their floors, against the
# real lab and a production build. One TypeScript file per benchmark in scripts/bench/.
# Usage: scripts/bench/run.sh [benchmark…]   (default: all; e.g. `topology`)
# Knobs: BENCH_N, BENCH_WARMUP, BENCH_WORKERS, BENCH_IMAGE (see each benchmark's header).
source "$(dirname "$0")/../common.sh"
cd "$ROOT"

BENCHMARKS=(topology add-worker logs regex config pages metrics reconcile events viewers entrypoint container swarm)
[ "$#" -gt 0 ] && BENCHMARKS=("$@")
for b in "${BENCHMARKS[@]}"; do
  [ -f "scripts/bench/$b.ts" ] || die "no benchmark scripts/bench/$b.ts"
done

t_start=$(date +%s)
BENCH_TMP="$(mktemp -d /tmp/fleet-bench.XXXXXX)"
export BENCH_TMP

# Backstop for a benchmark that died hard: the benchmarks clean up after themselves, this
# stops the servers they recorded and removes the containers/networks they labelled.
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  if [ -f "$BENCH_TMP/pids" ]; then
    while read -r pid; do
      # only if it still is one of our servers (pids are reused)
      if tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q 'scripts/server\.mjs'; then kill "$pid" 2>/dev/null || true; fi
    done <"$BENCH_TMP/pids"
  fi
  # Only what this run labelled: each benchmark records its run id in $BENCH_TMP/run-ids.
  if [ -f "$BENCH_TMP/run-ids" ]; then
    while read -r id; do
      local left
      left="$(docker ps -aq --filter "label=io.synapse-fleet.bench=$id" 2>/dev/null || true)"
      if [ -n "$left" ]; then
        echo "[bench] removing $(echo "$left" | wc -l) leftover bench containers ($id)" >&2
        echo "$left" | xargs -r docker rm -f -v >/dev/null 2>&1 || true
      fi
      docker network ls -q --filter "label=io.synapse-fleet.bench=$id" 2>/dev/null | xargs -r docker network rm >/dev/null 2>&1 || true
    done <"$BENCH_TMP/run-ids"
  fi
  rm -rf "$BENCH_TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ensure_node_modules
ensure_docker
ensure_lab
ensure_build

# The swarm benchmark runs on the simulated 3-node swarm (lab/swarm, issue 15): up for it, and down
# again after only if this run brought it up (it holds ~1.6 GB).
swarm_was_up=1
if [[ " ${BENCHMARKS[*]} " == *" swarm "* ]]; then
  bash lab/lab.sh status swarm | grep -q 'node1 is not running' && swarm_was_up=0
  bash lab/lab.sh up swarm
fi

status=0
for b in "${BENCHMARKS[@]}"; do
  say "Benchmark: $b"
  npx tsx --conditions=react-server "scripts/bench/$b.ts" || status=1
done
if ((swarm_was_up == 0)); then bash lab/lab.sh down swarm || status=1; fi
say "Benchmarks done in $(( $(date +%s) - t_start )) s"
exit $status
