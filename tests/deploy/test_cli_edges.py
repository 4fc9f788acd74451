"""The edges a new user meets first, run as that user runs them: `mitapo serve` on a port that is taken, and
`make run` interrupted with Ctrl-C (SIGINT to its process group), which must leave no PostgreSQL behind."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from mitapo.engine import embedded
from tests.deploy.processes import ROOT, VENV_BIN, free_port, service_env, wait_ready

RUN_SECONDS = 300


@contextlib.contextmanager
def _taken_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def _postgres_of(data_dir: Path) -> list[psutil.Process]:
    """PostgreSQL processes whose command line names the data directory's cluster."""
    pgdata = str((data_dir / "pg").resolve())
    found = []
    for process in psutil.process_iter(["cmdline"]):
        command = process.info["cmdline"] or []
        if command and Path(command[0]).name == "postgres" and any(pgdata in part for part in command):
            found.append(process)
    return found


def test_serve_on_a_taken_port_names_the_port_and_the_setting(database_url: str, tmp_path: Path) -> None:
    with _taken_port() as port:
        env = service_env(database_url, tmp_path, MITAPO_PORT=str(port))
        done = subprocess.run(
            [str(VENV_BIN / "mitapo"), "serve"], env=env, capture_output=True, text=True, timeout=RUN_SECONDS
        )
    assert done.returncode != 0
    assert "serving" not in done.stdout + done.stderr
    assert str(port) in done.stderr and "MITAPO_PORT" in done.stderr, done.stderr


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A fresh data directory beside the tests' own cluster: as root, PostgreSQL runs as another user, who
    may enter that folder (pytest's temporary folders are the current user's alone)."""
    parent = ROOT / ".mitapo-test" / "runs"
    parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(dir=parent))
    try:
        yield path
    finally:
        embedded.stop(path)  # only after a failure is there one to stop
        shutil.rmtree(path, ignore_errors=True)


def test_interrupted_make_run_leaves_no_postgres(data_dir: Path, tmp_path: Path) -> None:
    """`make run` on a fresh data directory (embedded PostgreSQL, demo town), Ctrl-C once it serves."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MITAPO_")}
    env.update(MITAPO_DATA_DIR=str(data_dir), PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}")
    # The venv running these tests is the one to use: the install step is named and marked as done, so that
    # make never runs pip here.
    stamp = ".venv/.installed"
    command = [
        "make",
        "--no-print-directory",
        "-o",
        stamp,
        f"STAMP={stamp}",
        f"BIN={VENV_BIN}",
        f"PORT={port}",
        "run",
    ]
    log = tmp_path / "run.log"
    with log.open("wb") as sink:
        make = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_ready(make, f"http://127.0.0.1:{port}", log)
        assert _postgres_of(data_dir), "the embedded PostgreSQL should run while serving"
        os.killpg(make.pid, signal.SIGINT)
        make.wait(timeout=RUN_SECONDS)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(make.pid, signal.SIGKILL)
        make.wait()
    printed = log.read_text()
    assert f"serving at http://127.0.0.1:{port}/" in printed
    assert f"http://127.0.0.1:{port}/audit#secret=" in printed  # the demo's links follow the port
    assert "auditor secret:" in printed and "admin secret:" in printed
    assert "migrations: applied" in printed  # one line, not alembic's own log
    assert "RuntimeDirWarning" not in printed and "[alembic" not in printed, printed
    left = _postgres_of(data_dir)
    assert not left, f"still running: {[p.pid for p in left]}\n{printed}"
