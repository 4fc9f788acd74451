#!/bin/sh
# Point-in-time restore into a NEW data directory: a base backup (backup.sh) plus the archived WAL
# (archive_wal.sh), replayed up to a named restore point or a moment, then promoted.
#
#   deploy/restore.sh BASE_BACKUP_DIR WAL_ARCHIVE_DIR NEW_PGDATA --name RESTORE_POINT
#   deploy/restore.sh BASE_BACKUP_DIR WAL_ARCHIVE_DIR NEW_PGDATA --time '2026-11-22 10:15:00+09'
#
# It never touches an existing data directory. Then start PostgreSQL on NEW_PGDATA (pg_ctl -D NEW_PGDATA -w
# start, or point the service unit at it): it replays to the target, promotes, and only then accepts
# connections (hot_standby is off during the restore). The restored server does not archive (archive_mode
# off), so a drill never writes into the production archive; turn it on before making it the new primary.
set -eu

usage() {
    echo "usage: $0 BASE_BACKUP_DIR WAL_ARCHIVE_DIR NEW_PGDATA (--name RESTORE_POINT | --time TIMESTAMP)" >&2
    exit 2
}

[ "$#" -eq 5 ] || usage
base=$1
archive=$2
pgdata=$3
case $4 in
    --name) target="recovery_target_name = '$5'" ;;
    --time) target="recovery_target_time = '$5'" ;;
    *) usage ;;
esac
case "$5$archive" in
    *"'"*) echo "restore: quotes are not allowed in the target or the archive path" >&2; exit 2 ;;
esac

[ -f "$base/backup_manifest" ] || { echo "restore: $base is not a base backup" >&2; exit 1; }
[ -d "$archive" ] || { echo "restore: no WAL archive at $archive" >&2; exit 1; }
if [ -e "$pgdata" ] && [ -n "$(ls -A "$pgdata")" ]; then
    echo "restore: $pgdata is not empty; restore into a new directory" >&2
    exit 1
fi

mkdir -p "$pgdata"
chmod 700 "$pgdata"
cp -R "$base/." "$pgdata/"
rm -f "$pgdata/backup_manifest" "$pgdata/postmaster.pid"
archive_abs=$(cd "$archive" && pwd)

cat >> "$pgdata/postgresql.auto.conf" <<CONF
# Added by deploy/restore.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ)
restore_command = 'cp "$archive_abs/%f" "%p"'
$target
recovery_target_action = 'promote'
hot_standby = off
archive_mode = off
CONF
touch "$pgdata/recovery.signal"
echo "restore: $pgdata is ready; start PostgreSQL on it to replay to the target and promote"
