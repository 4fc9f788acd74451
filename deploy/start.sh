#!/bin/sh
# The service without systemd or containers: what the unit and the image run, and what CI starts.
#   MITAPO_DATABASE_URL=postgresql://mitapo_service@db/mitapo deploy/start.sh
# MITAPO_DATABASE_URL is the *service* role's URL: the schema must already be migrated by the owner
# (deploy/migrate.sh); a pending migration makes this fail at once instead of running DDL as the service.
set -eu

: "${MITAPO_DATABASE_URL:?set MITAPO_DATABASE_URL to the postgresql:// URL of the service role}"
host=${MITAPO_HOST:-127.0.0.1}
port=${MITAPO_PORT:-8000}
workers=${MITAPO_WORKERS:-2}
mitapo=${MITAPO_BIN:-mitapo}

exec "$mitapo" serve --host "$host" --port "$port" --workers "$workers"
