"""The service in a process of its own, for what must reach it over HTTP (benchmarks, the SDK live test)."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

READY_ATTEMPTS = 600  # × 0.1 s


def start_server(
    url: str,
    data_dir: Path,
    *,
    server: str = "uvicorn",
    workers: int = 1,
    writer: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """The service in a process of its own, as `mitapo serve` runs it, on a free port; once /readyz answers.
    It imports the very code this process does (same `sys.path`). With `writer` ("inline" or "process"), it is
    `mitapo serve --writer W` itself (the writer's process is its child: `mitapo.writer_process`)."""
    env = {"MITAPO_DATABASE_URL": url, "MITAPO_DATA_DIR": str(data_dir), **(extra_env or {})}
    if writer is not None:
        return start_serve(env, workers=workers, writer=writer)
    return start_asgi("mitapo.asgi:app", env, "/readyz", server=server, workers=workers)


def start_serve(env: dict[str, str], *, workers: int, writer: str) -> tuple[subprocess.Popen[bytes], str]:
    """`mitapo serve --workers N --writer W` on a free port, once /readyz answers."""
    port = _free_port()
    command = [
        sys.executable,
        "-c",
        "from mitapo.cli.main import main; raise SystemExit(main())",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--writer",
        writer,
    ]
    full = {**os.environ, **env, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen(command, env=full, stdout=subprocess.DEVNULL)
    return process, _ready(process, f"http://127.0.0.1:{port}", "/readyz", "mitapo serve")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _ready(process: subprocess.Popen[bytes], base: str, ready_path: str, name: str) -> str:
    for _ in range(READY_ATTEMPTS):  # a bounded wait, polling readiness
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited while starting")
        try:
            if httpx.get(f"{base}{ready_path}", timeout=1).status_code == 200:
                return base
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"{name} did not become ready")


def start_uvicorn(app: str, env: dict[str, str], ready_path: str) -> tuple[subprocess.Popen[bytes], str]:
    return start_asgi(app, env, ready_path)


def start_asgi(
    app: str, env: dict[str, str], ready_path: str, *, server: str = "uvicorn", workers: int = 1
) -> tuple[subprocess.Popen[bytes], str]:
    """An ASGI app served by `server` (uvicorn with uvloop and httptools, or granian with uvloop) with
    `workers` processes, on a free port, once `ready_path` answers."""
    if server == "granian" and importlib.util.find_spec("granian") is None:
        raise SystemExit("granian is a benchmark's comparison only, not installed: `pip install granian`")
    port = _free_port()
    env = {**os.environ, **env, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-m", *_command(server, app, port, workers)]
    process = subprocess.Popen(command, env=env)
    return process, _ready(process, f"http://127.0.0.1:{port}", ready_path, app)


def _command(server: str, app: str, port: int, workers: int) -> list[str]:
    where = ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    if server == "granian":
        return [
            "granian",
            "--interface",
            "asgi",
            "--loop",
            "uvloop",
            "--no-ws",
            "--http",
            "1",
            *where,
            "--log-level",
            "warning",
            "--no-access-log",
            app,
        ]
    return [
        "uvicorn",
        app,
        *where,
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
