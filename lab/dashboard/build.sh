#!/usr/bin/env bash
# Builds the dashboard image, synapse-fleet-dashboard:<recipe hash> and :latest, without any registry:
# Next's standalone output built here from the working tree, on the Debian+nodejs base of base.sh.
#   build.sh          build unless synapse-fleet-dashboard:<recipe hash> exists; tag :latest
#   build.sh --tag    print the image reference for the current recipe and exit
# The recipe is the sources that go into the build (not tests, docs or the rest of lab/), the
# lockfile, the generated Prisma clients, this directory and the base image: any change, a new tag.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
REPO=synapse-fleet-dashboard
BASE="$(bash "$HERE/base.sh" --tag)"
cd "$ROOT"

[[ -d lib/db/generated/sqlite && -d lib/db/generated/postgres && -x node_modules/.bin/next ]] \
  || { echo "node_modules or the generated Prisma clients are missing: run npm ci first" >&2; exit 1; }

# What the build reads. Tests are left out: they are not in the image and must not change its tag.
source_files() {
  { git ls-files -co --exclude-standard -- app components lib public prisma scripts/server.mjs lab/dashboard \
      instrumentation.ts next.config.ts package.json package-lock.json tsconfig.json postcss.config.mjs
    find lib/db/generated -type f; } \
    | grep -Ev '(\.test\.tsx?|/test-hooks\.test\.ts)$' | sort -u | while IFS= read -r f; do [[ -f "$f" ]] && printf '%s\n' "$f"; done
}
FILES="$(source_files)"
HASH="$( (echo "$BASE"; printf '%s\n' "$FILES" | tr '\n' '\0' | xargs -0 sha256sum) | sha256sum | cut -c1-12)"
IMAGE="$REPO:$HASH"

if [[ "${1:-}" == "--tag" ]]; then echo "$IMAGE"; exit 0; fi

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  docker tag "$IMAGE" "$REPO:latest"
  echo "image $IMAGE exists (cached)"
  exit 0
fi

start=$(date +%s)
bash "$HERE/base.sh"

WORK="$(mktemp -d /var/tmp/fleet-dashboard.XXXXXX)"
trap 'rm -rf --one-file-system "$WORK"' EXIT
SRC="$WORK/src"
CTX="$WORK/context"
mkdir -p "$SRC" "$CTX/app"

echo "[dashboard] staging $(printf '%s\n' "$FILES" | wc -l) source files in $SRC"
printf '%s\n' "$FILES" | tar -T - -cf - | tar -C "$SRC" -xf -
# Hard links when on one filesystem: the build only reads node_modules.
cp -al node_modules "$SRC/node_modules" 2>/dev/null || cp -a node_modules "$SRC/node_modules"

echo "[dashboard] next build (standalone)"
(cd "$SRC" && FLEET_BUILD_STANDALONE=1 NEXT_TELEMETRY_DISABLED=1 node node_modules/next/dist/bin/next build >"$WORK/next-build.log" 2>&1) \
  || { tail -n 40 "$WORK/next-build.log" >&2; exit 1; }

echo "[dashboard] bundling the start-up checks"
# Bundled with the lib code they use; the packages the standalone output already carries stay
# external, so the checks and the server share one copy (and one Prisma runtime).
(cd "$SRC" && node_modules/.bin/esbuild lab/dashboard/prestart.ts --bundle --platform=node --format=esm --target=node20 \
  --conditions=react-server --log-level=warning \
  --external:dockerode --external:@prisma/client --external:@libsql/client --external:@prisma/adapter-libsql --external:pg \
  --banner:js="import { createRequire as __fleetRequire } from 'node:module'; const require = __fleetRequire(import.meta.url);" \
  --outfile="$CTX/app/prestart.mjs")

APP="$CTX/app"
cp -a "$SRC/.next/standalone/." "$APP/"
cp -a "$SRC/.next/static" "$APP/.next/static"
[[ -d "$SRC/public" ]] && cp -a "$SRC/public" "$APP/public"
mkdir -p "$APP/scripts"
cp "$SRC/scripts/server.mjs" "$APP/scripts/server.mjs"
cp "$HERE/entrypoint.sh" "$HERE/healthcheck.mjs" "$APP/"
# scripts/server.mjs starts Next through next(); in standalone output the config comes from the build.
node -e 'const c=require(process.argv[1]).config; process.stdout.write(JSON.stringify(c))' \
  "$SRC/.next/required-server-files.json" >"$APP/standalone-config.json"
# Not needed at run time: Next's own standalone server (scripts/server.mjs replaces it), source
# maps, Prisma's query engines (the client is engine-free) and compilers for other databases,
# the musl build of libsql (the base is glibc), and sharp (no next/image).
rm -rf "$APP/server.js" "$APP/node_modules/@img" "$APP/node_modules/sharp" "$APP/node_modules/@libsql/linux-x64-musl"
find "$APP/node_modules/@prisma/client/runtime" -maxdepth 1 \( -name 'query_engine_bg.*' -o -name 'query_compiler_bg.mysql.*' \
  -o -name 'query_compiler_bg.sqlserver.*' -o -name 'query_compiler_bg.cockroachdb.*' -o -name '*edge*' -o -name 'react-native*' \) -delete
find "$APP" -name '*.map' -delete
cp "$HERE/Dockerfile" "$CTX/Dockerfile"

echo "[dashboard] docker build $IMAGE from $BASE"
docker build -q --build-arg "BASE=$BASE" --label "io.synapse-fleet.dashboard-recipe=$HASH" -t "$IMAGE" "$CTX" >/dev/null
docker tag "$IMAGE" "$REPO:latest"
echo "[dashboard] built $IMAGE in $(( $(date +%s) - start ))s, $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1000000}')"
