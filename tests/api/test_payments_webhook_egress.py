"""Webhooks never reach the service's own network: refused at registration in every spelling, checked again
against the address actually connected to at delivery, and never redirected (issue 18, finding 1)."""

from __future__ import annotations

import http.server
import ipaddress
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from litestar.testing import TestClient

from mitapo.app import create_app
from mitapo.engine import clock
from mitapo.payments import egress, webhooks
from mitapo.settings import Settings
from tests.api.conftest import Api
from tests.api.payments_support import give_money, problem, resident, shop

FROM_THE_ISSUE = [
    "http://127.0.0.1:5432/",
    "http://localhost:22/",
    "http://[::1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/",
    "http://192.168.1.1/",
    "http://0.0.0.0:5432/",
    "http://2130706433/",
]
OTHER_SPELLINGS = [
    "https://127.0.0.1:5432/",
    "https://localhost/",
    "https://2130706433/",
    "https://0x7f000001/",
    "https://0177.0.0.1/",
    "https://127.1/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::]/",
    "https://169.254.169.254/",
    "https://[fe80::1]/",
    "https://[fd00::1]/",
    "https://172.16.0.1/",
    "https://224.0.0.1/",
    "https://[ff02::1]/",
]


class Listener:
    """A TCP port on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.close()

    def __enter__(self) -> Listener:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join()
        self.sock.close()


def quiet(database_url: str, tmp_path: Path, *, allow_insecure: bool) -> Iterator[Api]:
    settings = Settings(
        data_dir=tmp_path,
        seal_interval=3600,
        checkpoint_interval=3600,
        webhook_interval=3600,
        webhook_allow_insecure=allow_insecure,
    )
    with TestClient(create_app(settings, url=database_url)) as client:
        yield Api(client)


@pytest.fixture
def strict_api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from quiet(database_url, tmp_path, allow_insecure=False)


@pytest.fixture
def dev_api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from quiet(database_url, tmp_path, allow_insecure=True)


def deliver(api: Api) -> int:
    runtime = api.runtime
    return api.run(
        lambda: webhooks.deliver_due(
            runtime.db, runtime.keys, now=clock.now() + timedelta(hours=2), policy=runtime.webhook_policy
        )
    )


def last_error(api: Api) -> str:
    async def read() -> str:
        async with api.runtime.db.raw() as conn:
            return str(await conn.fetchval("SELECT last_error FROM webhook_outbox"))

    return api.run(read)


def registered_url(api: Api) -> str | None:
    async def read() -> str | None:
        async with api.runtime.db.raw() as conn:
            url = await conn.fetchval("SELECT max(url) FROM webhook_endpoints")
            return None if url is None else str(url)

    return api.run(read)


def test_every_private_address_is_refused_at_registration(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    for url in FROM_THE_ISSUE + OTHER_SPELLINGS:
        refused = api.post("/v1/merchant/webhooks", farm["api_key"], {"url": url}, key=None)
        problem(refused, 422, "url_not_allowed")
    assert registered_url(api) is None


def test_even_the_development_setting_refuses_private_networks(dev_api: Api) -> None:
    api = dev_api
    farm = shop(api, api.token("admin"))
    for url in ("http://10.0.0.1/", "http://169.254.169.254/", "http://[fd00::1]/", "http://0.0.0.0:5432/"):
        refused = api.post("/v1/merchant/webhooks", farm["api_key"], {"url": url}, key=None)
        problem(refused, 422, "url_not_allowed")
    taken = api.post("/v1/merchant/webhooks", farm["api_key"], {"url": "http://127.0.0.1:9/h"}, key=None)
    assert taken.status_code == 201, taken.text


def test_a_name_that_turns_to_loopback_after_registration_is_not_connected_to(
    strict_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = strict_api
    admin = api.token("admin")
    farm = shop(api, admin)
    rid, secret = resident(api, admin)
    give_money(api, rid, 500)
    answers = {"hooks.shop.example": "93.184.215.14"}

    async def resolve(host: str, port: int) -> list[egress.Address]:
        return [ipaddress.ip_address(answers[host])]

    monkeypatch.setattr(egress, "resolve", resolve)
    with Listener() as listener:
        url = f"https://hooks.shop.example:{listener.port}/hooks"
        registered = api.post("/v1/merchant/webhooks", farm["api_key"], {"url": url}, key=None)
        assert registered.status_code == 201, registered.text
        paid = api.post("/v1/payments", secret, {"qr_payload": farm["qr_payload"], "amount": 120})
        assert paid.status_code == 201, paid.text
        answers["hooks.shop.example"] = "127.0.0.1"  # the shop's DNS now points at the service's machine
        assert deliver(api) == 0
    assert listener.connections == 0
    assert last_error(api).startswith("url_not_allowed")


def test_a_redirect_is_not_followed(dev_api: Api) -> None:
    api = dev_api
    admin = api.token("admin")
    farm = shop(api, admin)
    rid, secret = resident(api, admin)
    give_money(api, rid, 500)
    with Listener() as inside:

        class Redirect(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.send_response(307)
                self.send_header("Location", f"http://127.0.0.1:{inside.port}/admin")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
            registered = api.post("/v1/merchant/webhooks", farm["api_key"], {"url": url}, key=None)
            assert registered.status_code == 201, registered.text
            api.post("/v1/payments", secret, {"qr_payload": farm["qr_payload"], "amount": 120})
            assert deliver(api) == 0
        finally:
            server.shutdown()
            server.server_close()
    assert inside.connections == 0
    assert last_error(api) == "HTTP 307"
