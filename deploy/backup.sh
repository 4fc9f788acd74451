#!/bin/sh
# A base backup of the whole cluster, checked after it is taken. With the WAL archive (archive_wal.sh) it is
# the starting point of any point-in-time restore (restore.sh).
#
#   PGHOST=... PGPORT=... PGUSER=<a role with REPLICATION> deploy/backup.sh /var/backups/mitapo
#
# Writes DEST/mitapo-<UTC time>/ (a plain data directory with the WAL it needs streamed in, and a
# backup_manifest), verifies it with pg_verifybackup, points DEST/latest at it and prints its path.
# Keep DEST and the WAL archive on another disk, and copy both off the host (docs/operations.md).
set -eu

if [ "$#" -ne 1 ]; then
    echo "usage: $0 DEST_DIR   (connection from PGHOST, PGPORT, PGUSER, PGPASSWORD or ~/.pgpass)" >&2
    exit 2
fi
dest=$1
label="mitapo-$(date -u +%Y%m%dT%H%M%SZ)"
target="$dest/$label"

mkdir -p "$dest"
if [ -e "$target" ]; then
    echo "backup: $target already exists" >&2
    exit 1
fi

pg_basebackup --pgdata="$target" --format=plain --wal-method=stream --checkpoint=fast \
    --label="$label" --manifest-checksums=SHA256 --no-password
pg_verifybackup --quiet "$target"
ln -sfn "$label" "$dest/latest"
echo "$target"
