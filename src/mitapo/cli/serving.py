"""`mitapo serve`'s edges: the listening socket is bound before anything else, so a taken port is said at once
(with what to do about it) and "serving" is printed only once the address is ours; then uvicorn runs on that
socket, with one worker or several."""

from __future__ import annotations

import contextlib
import errno
import socket
from dataclasses import dataclass

import uvicorn
from uvicorn.supervisors import Multiprocess

APP = "mitapo.asgi:app"


@dataclass(frozen=True, slots=True)
class Bound:
    sock: socket.socket


@dataclass(frozen=True, slots=True)
class Refused:
    """The address could not be bound; `message` says why and what to do."""

    message: str


def bind(host: str, port: int) -> Bound | Refused:
    """A listening socket on host:port, as uvicorn would bind it, or why not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        return Refused(_explain(host, port, exc))
    sock.set_inheritable(True)
    return Bound(sock)


def _explain(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        other = port + 1 if port < 65535 else 8001
        return (
            f"mitapo serve: port {port} on {host} is already in use (another `mitapo serve`, or another "
            f"program). Stop that one (`make stop` stops a mitapo left running), or choose another port with "
            f"the setting MITAPO_PORT: `MITAPO_PORT={other} mitapo serve`, `mitapo serve --port {other}` or "
            f"`make run PORT={other}`."
        )
    if exc.errno == errno.EACCES:
        return (
            f"mitapo serve: not allowed to listen on port {port} on {host} (ports below 1024 need "
            f"privileges); set MITAPO_PORT (or --port) to a port of 1024 or more."
        )
    return (
        f"mitapo serve: cannot listen on {host}:{port} ({exc.strerror}); check MITAPO_HOST and MITAPO_PORT."
    )


def run(bound: Bound, workers: int) -> bool:
    """Serve the app on the bound socket until interrupted (SIGINT, SIGTERM); False if it never started (its
    start-up failed: the database, say)."""
    host, port = bound.sock.getsockname()[:2]
    # The app, not uvicorn, reads X-Forwarded-For, and only from MITAPO_TRUSTED_PROXIES (http.ratelimit):
    # uvicorn's own default would believe any process on 127.0.0.1.
    config = uvicorn.Config(
        APP, host=host, port=port, workers=workers, log_level="warning", proxy_headers=False
    )
    if workers > 1:
        Multiprocess(config, sockets=[bound.sock]).run()
        return True
    config.load_app()
    server = uvicorn.Server(config)
    with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C during shutdown
        server.run(sockets=[bound.sock])
    return server.started
