"""The service as production runs it, `mitapo serve --workers N`, in a process group of its own: uvicorn's
master and its workers, each worker with its own writer, sealer and pools. The master starts a new worker
when one dies, which is how a SIGKILLed worker comes back."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import psutil

from tests.deploy.processes import VENV_BIN, free_port, service_env, wait_ready

SPAWNED_WORKER = "spawn_main"  # how a multiprocessing worker's command line reads
WRITER_SOCKET = "writer.sock"  # the name of the writer's process's socket (`mitapo.writer_process`)


@dataclass
class Service:
    process: subprocess.Popen[bytes]
    base_url: str

    def workers(self) -> list[psutil.Process]:
        children = psutil.Process(self.process.pid).children(recursive=True)
        return [child for child in children if SPAWNED_WORKER in " ".join(_cmdline(child))]

    def writer(self) -> psutil.Process | None:
        """The writer's process of `mitapo serve --writer process`: the one listening on its Unix socket."""
        for child in psutil.Process(self.process.pid).children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                if any(c.laddr.endswith(WRITER_SOCKET) for c in child.net_connections(kind="unix")):
                    return child
        return None

    def kill_the_writer(self) -> int | None:
        """SIGKILL the writer's process, whatever batch it is in; its pid, or None when none is running."""
        writer = self.writer()
        if writer is None:
            return None
        with contextlib.suppress(psutil.NoSuchProcess):
            writer.send_signal(signal.SIGKILL)
        return int(writer.pid)

    def kill_a_worker(self, rng: random.Random) -> int | None:
        """SIGKILL one worker, whatever it is doing; its pid, or None when none is running."""
        workers = self.workers()
        if not workers:
            return None
        victim = rng.choice(workers)
        with contextlib.suppress(psutil.NoSuchProcess):
            victim.send_signal(signal.SIGKILL)
        return int(victim.pid)


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return list(process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return []


@contextlib.contextmanager
def serving(
    database_url: str, state: Path, workers: int, settings: Mapping[str, str], log: Path
) -> Iterator[Service]:
    port = free_port()
    command = [str(VENV_BIN / "mitapo"), "serve", "--port", str(port), "--workers", str(workers)]
    env = service_env(database_url, state, **settings)
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    service = Service(process, f"http://127.0.0.1:{port}")
    try:
        wait_ready(process, service.base_url, log)
        yield service
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
