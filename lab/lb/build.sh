#!/usr/bin/env bash
# Builds the lab's load-balancer image: the lab image plus Debian's nginx, committed once.
#   build.sh          build unless synapse-fleet-lb:<recipe hash> exists; tag :latest
#   build.sh --tag    print the image reference for the current recipe and exit
# The recipe is this script and the lab image it starts from: either changing gives a new tag.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO=synapse-fleet-lb
BASE="$(bash "$HERE/../image/build.sh" --tag)"
HASH="$( (cat "$HERE/build.sh"; echo "$BASE") | sha256sum | cut -c1-12)"
IMAGE="$REPO:$HASH"

if [[ "${1:-}" == "--tag" ]]; then echo "$IMAGE"; exit 0; fi

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  docker tag "$IMAGE" "$REPO:latest"
  echo "image $IMAGE exists (cached)"
  exit 0
fi

docker image inspect "$BASE" >/dev/null 2>&1 || { echo "the lab image $BASE is missing: run lab/image/build.sh first" >&2; exit 1; }

start=$(date +%s)
NAME="fleetlab-lb-build-$$"
cleanup() { docker rm -f "$NAME" >/dev/null 2>&1 || true; }
trap cleanup EXIT

echo "[lb] apt-get install nginx-light in a container of $BASE"
# nginx-light: the core with the upstream hash, map and proxy modules, and nothing we do not use.
docker run --name "$NAME" "$BASE" bash -ec '
  export DEBIAN_FRONTEND=noninteractive LC_ALL=C
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nginx-light >/tmp/apt.log 2>&1 || { tail -n 40 /tmp/apt.log >&2; exit 1; }
  apt-get clean
  rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /tmp/apt.log
  # Only the fleet config serves: the packaged default site would listen on :80 beside it.
  rm -f /etc/nginx/sites-enabled/default
  # nginx logs where the engine collects them.
  ln -sf /dev/stdout /var/log/nginx/access.log
  ln -sf /dev/stderr /var/log/nginx/error.log
  nginx -v
' >/dev/null

docker commit \
  --change 'CMD ["nginx", "-g", "daemon off;"]' \
  --change "LABEL io.synapse-fleet.lab.lb-recipe=$HASH" \
  -m "synapse-fleet lab load balancer (recipe $HASH)" "$NAME" "$IMAGE" >/dev/null
docker tag "$IMAGE" "$REPO:latest"
echo "[lb] built $IMAGE in $(( $(date +%s) - start ))s, $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1000000}')"
