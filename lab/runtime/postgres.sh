#!/bin/bash
# PostgreSQL for the lab: initdb on first start (named volume), then run in the
# foreground as PID 1 (compose stops it with SIGINT = fast shutdown).
set -euo pipefail
PGDATA=/var/lib/postgresql/data
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
mkdir -p "$PGDATA" /run/postgresql
chown postgres:postgres "$PGDATA" /run/postgresql
chmod 700 "$PGDATA"
as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "[fleetlab] initdb into $PGDATA"
  as_pg initdb -D "$PGDATA" --locale=C -E UTF8 -U postgres --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  cat >>"$PGDATA/pg_hba.conf" <<'HBA'
# fleetlab: password auth from the docker network and the published port
host    all             all             0.0.0.0/0               scram-sha-256
host    all             all             ::/0                    scram-sha-256
HBA
  cat >>"$PGDATA/postgresql.conf" <<'CONF'
# fleetlab
listen_addresses = '*'
synchronous_commit = off
max_connections = 100
CONF
  as_pg pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  as_pg psql -v ON_ERROR_STOP=1 -q -U postgres -d postgres \
    -v pw="$POSTGRES_PASSWORD" <<'SQL'
CREATE ROLE synapse LOGIN PASSWORD :'pw';
CREATE DATABASE synapse ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0 OWNER synapse;
CREATE DATABASE fleet ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0 OWNER synapse;
SQL
  as_pg pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "[fleetlab] databases synapse and fleet created (owner synapse)"
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA"
