#!/bin/sh
# Run once by the postgres image when it initialises an empty data directory (docker-entrypoint-initdb.d):
# make the ledger's settings part of the server's configuration. The file is included from where it is
# mounted, so a changed deploy/postgresql/mitapo.conf takes effect at the next restart.
set -eu
echo "include '/etc/postgresql/mitapo.conf'" >> "$PGDATA/postgresql.conf"
