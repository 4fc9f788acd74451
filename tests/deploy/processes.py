"""Running the service the way a host runs it: as separate operating-system processes on loopback ports.

Waiting for a child server to listen is the one wait here; it is bounded, stops at once when the child dies,
and asserts nothing about timing."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
VENV_BIN = Path(sys.executable).parent  # the interpreter running the tests, and its `mitapo`
READY_WITHIN_SECONDS = 120.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def service_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MITAPO_")}
    env.update(
        MITAPO_DATABASE_URL=database_url,
        MITAPO_DATA_DIR=str(data_dir),
        MITAPO_BIN=str(VENV_BIN / "mitapo"),
        MITAPO_LOG_JSON="1",
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    env.update(extra)
    return env


def wait_ready(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    """Until /readyz answers 200; fails at once, with the child's log, if the child exits first."""
    transport = httpx.HTTPTransport(retries=0)
    with httpx.Client(transport=transport, timeout=5.0) as client:
        for _ in range(int(READY_WITHIN_SECONDS / 0.1)):
            if process.poll() is not None:
                raise AssertionError(f"the service exited with {process.returncode}:\n{log.read_text()}")
            try:
                if client.get(f"{base_url}/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.1)  # wakes early if the child dies
    raise AssertionError(f"/readyz did not answer 200 within {READY_WITHIN_SECONDS} s:\n{log.read_text()}")


@contextlib.contextmanager
def serving(command: list[str], env: Mapping[str, str], port: int, log: Path) -> Iterator[str]:
    """Start `command` (which serves on `port`), wait until ready, yield its base URL, stop it."""
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, env=dict(env), stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(process, base_url, log)
        yield base_url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
