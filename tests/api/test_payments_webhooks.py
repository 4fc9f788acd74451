"""Webhooks: written with the payment, delivered at least once with backoff, signed and verifiable."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from litestar.testing import TestClient

from mitapo.app import create_app
from mitapo.engine import clock
from mitapo.payments import webhooks
from mitapo.settings import Settings
from mitapo_merchant import webhooks as sdk_webhooks
from tests.api.conftest import Api
from tests.api.payments_support import give_money, problem, resident, shop


class Receiver:
    """A shop's endpoint on 127.0.0.1 that fails its first `failures` deliveries with a 503."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.deliveries: list[tuple[bytes, str]] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                owner.deliveries.append((body, self.headers.get(sdk_webhooks.SIGNATURE_HEADER, "")))
                self.send_response(503 if len(owner.deliveries) <= owner.failures else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def quiet_api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    """An app whose own delivery job never runs during the test: the test drives delivery itself. Its
    receivers listen on 127.0.0.1 over http, which only the development setting allows."""
    settings = Settings(
        data_dir=tmp_path,
        seal_interval=3600,
        checkpoint_interval=3600,
        webhook_interval=3600,
        webhook_allow_insecure=True,
    )
    with TestClient(create_app(settings, url=database_url)) as client:
        yield Api(client)


def deliver(api: Api, after: timedelta) -> int:
    runtime = api.runtime
    return api.run(
        lambda: webhooks.deliver_due(
            runtime.db, runtime.keys, now=clock.now() + after, policy=runtime.webhook_policy
        )
    )


def test_delivered_after_the_receiver_fails_twice(quiet_api: Api) -> None:
    api = quiet_api
    admin = api.token("admin")
    farm = shop(api, admin)
    rid, secret = resident(api, admin)
    give_money(api, rid, 500)
    with Receiver(failures=2) as receiver:
        registered = api.post("/v1/merchant/webhooks", farm["api_key"], {"url": receiver.url}, key=None)
        assert registered.status_code == 201, registered.text
        payment = api.post("/v1/payments", secret, {"qr_payload": farm["qr_payload"], "amount": 120}).json()
        assert deliver(api, timedelta(0)) == 0  # first attempt: 503
        assert deliver(api, timedelta(seconds=5)) == 0  # backing off: not due, nothing sent
        assert len(receiver.deliveries) == 1
        assert deliver(api, timedelta(seconds=11)) == 0  # second attempt: 503
        assert deliver(api, timedelta(seconds=11 + 21)) == 1  # third attempt: taken
        assert deliver(api, timedelta(hours=2)) == 0  # delivered events are not sent again
    assert len(receiver.deliveries) == 3
    bodies = {body for body, _ in receiver.deliveries}
    assert len(bodies) == 1  # every retry carries the same event, so the shop can deduplicate by its id
    body, header = receiver.deliveries[-1]
    trusted = api.runtime.keys.public_keys
    event = sdk_webhooks.verify(body, header, trusted)
    assert event.type == "payment.succeeded"
    assert event.data["payment"]["id"] == payment["id"] and event.data["payment"]["amount"] == 120
    with pytest.raises(sdk_webhooks.WebhookVerificationError):
        sdk_webhooks.verify(body.replace(b"120", b"999"), header, trusted)


def test_a_refund_is_announced_too_and_nothing_without_a_url(quiet_api: Api) -> None:
    api = quiet_api
    admin = api.token("admin")
    farm = shop(api, admin)
    rid, secret = resident(api, admin)
    give_money(api, rid, 500)
    payment = api.post("/v1/payments", secret, {"qr_payload": farm["qr_payload"], "amount": 100}).json()
    assert deliver(api, timedelta(0)) == 0  # no URL registered: kept for later
    refunded = api.post(f"/v1/payments/{payment['id']}/refunds", farm["api_key"], {"amount": 40})
    assert refunded.status_code == 201, refunded.text
    with Receiver(failures=0) as receiver:
        api.post("/v1/merchant/webhooks", farm["api_key"], {"url": receiver.url}, key=None)
        assert deliver(api, timedelta(0)) == 2
    types = sorted(
        sdk_webhooks.verify(b, h, api.runtime.keys.public_keys).type for b, h in receiver.deliveries
    )
    assert types == ["payment.succeeded", "refund.succeeded"]


def test_a_webhook_url_must_be_http(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    problem(
        api.post("/v1/merchant/webhooks", farm["api_key"], {"url": "ftp://x.example"}, key=None),
        400,
        "validation_error",
    )
    problem(
        api.post("/v1/merchant/webhooks", admin, {"url": "https://x.example"}, key=None), 403, "forbidden"
    )


def test_backoff_doubles_up_to_an_hour_then_gives_up() -> None:
    now = clock.now()
    waits = [webhooks.retry_at(n, now) for n in range(webhooks.MAX_ATTEMPTS)]
    assert [w - now for w in waits[:3] if w] == [
        timedelta(seconds=10),
        timedelta(seconds=20),
        timedelta(seconds=40),
    ]
    assert max(w - now for w in waits if w) == timedelta(hours=1)
    assert waits[-1] is None
