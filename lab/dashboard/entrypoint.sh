#!/bin/sh
# The image's entrypoint: the start-up checks (prestart.mjs: engine socket, config dir at its host
# path, database and admin), then scripts/server.mjs as PID 1, so SIGTERM from `docker stop`
# reaches its shutdown (streams closed, exit 0) directly.
set -eu
cd /app
# scripts/server.mjs starts Next through next(); standalone output reads its config from here.
__NEXT_PRIVATE_STANDALONE_CONFIG="$(cat /app/standalone-config.json)"
export __NEXT_PRIVATE_STANDALONE_CONFIG
node /app/prestart.mjs || echo "[startup] the start-up checks failed (above); starting the server anyway" >&2
exec node /app/scripts/server.mjs
