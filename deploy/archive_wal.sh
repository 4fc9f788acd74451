#!/bin/sh
# PostgreSQL's archive_command: copy one completed WAL segment into the archive, durably and once.
#   archive_command = '/usr/local/bin/mitapo-archive-wal %p %f /var/lib/postgresql/wal-archive'
# PostgreSQL retries a failed archive_command and only recycles a segment after it returned 0, so this must
# fail loudly rather than pretend: it never overwrites a segment already archived with other content, and it
# returns 0 only after the copy is on disk (fsync of the file, then of the directory after the rename).
set -eu

if [ "$#" -ne 3 ]; then
    echo "usage: $0 WAL_PATH WAL_NAME ARCHIVE_DIR" >&2
    exit 2
fi
source_path=$1
name=$2
archive=$3

if [ -f "$archive/$name" ]; then
    # A retry after a crash between copy and acknowledgement: the same bytes are already there.
    if cmp -s "$source_path" "$archive/$name"; then
        exit 0
    fi
    echo "archive_wal: $archive/$name exists with other content; refusing to overwrite" >&2
    exit 1
fi

partial="$archive/.$name.partial"
cp "$source_path" "$partial"
sync "$partial"
mv "$partial" "$archive/$name"
sync "$archive"
