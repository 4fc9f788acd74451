"""`mitapo serve --writer process`: the group-commit writer in a child process, restarted when it dies.

The parent (`mitapo serve`, before uvicorn and its workers start) spawns the child, which connects to the
database and serves the Unix socket `engine.remote_writer` speaks; every HTTP worker finds the socket in
MITAPO_WRITER_SOCKET and hands its commands to that one writer. A thread of the parent waits on the child and
starts another one when it ends while the service runs (killed, out of memory): the commands in flight then
failed with CommitUnknown (503, sent again with their Idempotency-Key), and the next ones wait for the new
child. The socket is in a directory only this user may enter: the wire is pickle.

Spawned, not forked, like the sealer's process (`engine.sealer_process`): a fork would inherit the listening
port. The child imports the app (`mitapo.app`), so that every table a command's row names is on the metadata
and every capability module a command's closures live in is importable.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import structlog

from mitapo import logs

log = structlog.get_logger(__name__)

STOP_SECONDS = 5.0
SOCKET_ENV = "MITAPO_WRITER_SOCKET"
BATCH_LOG_ENV = "MITAPO_WRITER_BATCH_LOG"  # benchmarks: a file the child appends "commands seconds" lines to


class WriterProcess:
    def __init__(self, url: str, *, batch_max: int, log_json: bool | None = None) -> None:
        self._url = url
        self._batch_max = batch_max
        self._log_json = log_json
        self._directory = Path(tempfile.mkdtemp(prefix="mitapo-writer-"))  # mode 0700
        self.path = str(self._directory / "writer.sock")
        self._context = multiprocessing.get_context("spawn")
        self._process: multiprocessing.process.BaseProcess | None = None
        self._lock = threading.Lock()
        self._stopping = False
        self._watcher: threading.Thread | None = None
        self.restarts = 0

    def start(self) -> None:
        self._spawn()
        self._watcher = threading.Thread(target=self._watch, name="mitapo-writer-watch", daemon=True)
        self._watcher.start()

    def _spawn(self) -> None:
        with self._lock:
            if self._stopping:
                return
            self._process = self._context.Process(
                target=_main,
                args=(self._url, self.path, self._batch_max, os.getpid(), self._log_json),
                name="mitapo-writer",
                daemon=True,
            )
            self._process.start()

    def _watch(self) -> None:
        delays = iter([0.05, 0.1, 0.2, 0.5, 1.0])
        while True:
            process = self._process
            if process is None:
                return
            started = time.monotonic()
            process.join()
            with self._lock:
                if self._stopping:
                    return
            log.error("writer_process.ended", exitcode=process.exitcode, pid=process.pid)
            if time.monotonic() - started < 2.0:  # dying at once again and again: not in a tight loop
                time.sleep(next(delays, 2.0))
            else:
                delays = iter([0.05, 0.1, 0.2, 0.5, 1.0])
            self.restarts += 1
            self._spawn()

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            process = self._process
        if process is not None:
            process.terminate()
            process.join(STOP_SECONDS)
            if process.is_alive():
                process.kill()
                process.join()
        if self._watcher is not None:
            self._watcher.join(STOP_SECONDS)
        shutil.rmtree(self._directory, ignore_errors=True)

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid


def _main(url: str, path: str, batch_max: int, parent: int, log_json: bool | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the parent stops us
    logs.configure(log_json)
    import uvloop

    import mitapo.app  # noqa: F401 (every table and capability module, for the commands' rows and plans)
    from mitapo.engine import remote_writer

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        observer = _observer(os.environ.get(BATCH_LOG_ENV))
        runner.run(remote_writer.serve(url, path, batch_max=batch_max, parent=parent, observer=observer))


def _observer(path: str | None) -> Callable[[int, float], None] | None:
    """With several workers, the batches' metrics (multiprocess files the workers' /metrics sum; one worker
    keeps its metrics in memory and does not see this process's); with `path` a line for each batch,
    "commands seconds", for `bench.payments`."""
    from mitapo.http import metrics

    shared = metrics.MULTIPROC_ENV in os.environ
    out = open(path, "a", buffering=1) if path else None  # noqa: SIM115 (open for the process's life)
    if out is None:
        return metrics.observe_batch if shared else None

    def observe(commands: int, seconds: float) -> None:
        if shared:
            metrics.observe_batch(commands, seconds)
        out.write(f"{commands} {seconds:.6f}\n")

    return observe
