"""Before points expire: a resident who consented gets a Web Push reminder 14 and 3 days before a lot of their
points expires, once each, sent by pywebpush to a real push endpoint stub on loopback that decrypts it as a
browser would; the city can turn reminders off; consent can be withdrawn."""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from litestar.testing import TestClient

from mitapo.app import create_app
from mitapo.engine import clock
from mitapo.engine.keys import load_keyring
from mitapo.payments import egress
from mitapo.points import reminders
from mitapo.settings import Settings
from tests.api.conftest import Api
from tests.api.payments_support import give_points, problem, resident, today
from tests.api.test_payments_webhook_egress import FROM_THE_ISSUE, OTHER_SPELLINGS


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class PushService:
    """A push service on loopback: it takes what a push service takes (an encrypted body, a VAPID header) and
    decrypts it with the subscribing browser's keys, as the browser would."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 201
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                service.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def browser(self, name: str) -> tuple[dict[str, Any], ec.EllipticCurvePrivateKey, bytes]:
        key = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        point = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        subscription = {
            "endpoint": f"{self.url}/push/{name}",
            "keys": {"p256dh": b64(point), "auth": b64(auth)},
        }
        return subscription, key, auth


@pytest.fixture
def push() -> Iterator[PushService]:
    service = PushService()
    yield service
    service.server.shutdown()


def _api(database_url: str, tmp_path: Path, **settings: Any) -> Iterator[Api]:
    config = Settings(data_dir=tmp_path, seal_interval=3600, checkpoint_interval=3600, **settings)
    with TestClient(create_app(config, url=database_url, migrate=False)) as client:
        yield Api(client)


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from _api(database_url, tmp_path, webhook_allow_insecure=True)  # the stub is http on loopback


def remind(api: Api, days_from_now: int = 0, policy: egress.Policy | None = None) -> int:
    now = clock.now() + timedelta(days=days_from_now)
    runtime = api.runtime
    settings = runtime.settings

    async def send() -> int:
        return await reminders.send_due(
            runtime.db,
            settings.key_path,
            clock.tokyo_date(now),
            now,
            enabled=settings.push_reminders,
            policy=runtime.webhook_policy if policy is None else policy,
        )

    return api.run(send)


def test_a_reminder_14_and_3_days_before_once_each(api: Api, admin: str, push: PushService) -> None:
    rid, secret = resident(api, admin)
    give_points(api, rid, 120, today() + timedelta(days=14))
    give_points(api, rid, 999, today() + timedelta(days=100))
    key = api.get("/v1/push/public-key", None).json()
    assert key["enabled"] is True and len(base64.urlsafe_b64decode(key["public_key"] + "==")) == 65
    assert load_keyring(api.runtime.settings.key_path).current_kid  # the signing keys load beside it
    subscription, browser_key, auth = push.browser("phone")
    made = api.post("/v1/me/push-subscriptions", secret, subscription, key=None)
    assert made.status_code == 201, made.text
    assert api.get("/v1/me/push-subscriptions", secret).json() == {"subscribed": True}

    assert remind(api) == 1
    assert remind(api) == 0  # once
    [delivered] = push.received
    assert delivered["path"] == "/push/phone"
    headers = {name.lower(): value for name, value in delivered["headers"].items()}
    assert headers["content-encoding"] == "aes128gcm", headers
    assert headers["authorization"].startswith("vapid t=")
    assert key["public_key"] in headers["authorization"]
    shown = json.loads(http_ece.decrypt(delivered["body"], private_key=browser_key, auth_secret=auth))
    expires = today() + timedelta(days=14)
    assert shown["title"] == "みたポ" and "120 pt" in shown["body"] and "あと14日" in shown["body"]
    assert f"{expires:%m月%d日}" in shown["body"]

    assert remind(api, days_from_now=11) == 1  # three days before
    assert (
        "あと3日"
        in json.loads(http_ece.decrypt(push.received[-1]["body"], private_key=browser_key, auth_secret=auth))[
            "body"
        ]
    )
    assert remind(api, days_from_now=5) == 0
    assert len(push.received) == 2


def test_a_batch_reminds_every_lot_of_every_resident_on_each_of_their_phones(
    api: Api, admin: str, push: PushService
) -> None:
    first, first_secret = resident(api, admin)
    second, second_secret = resident(api, admin)
    give_points(api, first, 30, today() + timedelta(days=14))
    give_points(api, first, 40, today() + timedelta(days=3))
    give_points(api, second, 50, today() + timedelta(days=3))
    for secret, phone in ((first_secret, "a-phone"), (first_secret, "a-tablet"), (second_secret, "b-phone")):
        subscription, _, _ = push.browser(phone)
        assert api.post("/v1/me/push-subscriptions", secret, subscription, key=None).status_code == 201

    assert remind(api) == 3  # the first resident's two lots and the second's one
    assert sorted(item["path"] for item in push.received) == [
        "/push/a-phone",
        "/push/a-phone",
        "/push/a-tablet",
        "/push/a-tablet",
        "/push/b-phone",
    ]
    assert remind(api) == 0 and len(push.received) == 5


def test_withdrawn_consent_and_a_gone_subscription_stop_reminders(
    api: Api, admin: str, push: PushService
) -> None:
    rid, secret = resident(api, admin)
    give_points(api, rid, 50, today() + timedelta(days=3))
    subscription, _, _ = push.browser("old")
    api.post("/v1/me/push-subscriptions", secret, subscription, key=None)
    push.status = 410
    assert remind(api) == 0
    assert api.get("/v1/me/push-subscriptions", secret).json() == {
        "subscribed": False
    }  # the service said gone
    push.status = 201
    api.post("/v1/me/push-subscriptions", secret, subscription, key=None)
    assert api.client.delete(
        "/v1/me/push-subscriptions", headers={"Authorization": f"Bearer {secret}"}
    ).json() == {"subscribed": False}
    assert remind(api) == 0 and len(push.received) == 1


def subscriptions(api: Api) -> int:
    async def count() -> int:
        async with api.runtime.db.raw() as conn:
            return int(await conn.fetchval("SELECT count(*) FROM push_subscriptions"))

    return api.run(count)


def refused(api: Api, secret: str, endpoints: list[str]) -> None:
    """Each endpoint refused as a shop's webhook URL is (422 `url_not_allowed`), and nothing written."""
    before = subscriptions(api)
    for endpoint in endpoints:
        body = {"endpoint": endpoint, "keys": {"p256dh": "x", "auth": "y"}}
        answer = api.post("/v1/me/push-subscriptions", secret, body, key=None)
        assert answer.status_code == 422, f"{endpoint}: {answer.status_code} {answer.text}"
        problem(answer, 422, "url_not_allowed")
    assert subscriptions(api) == before
    assert api.get("/v1/me/push-subscriptions", secret).json() == {"subscribed": False}


def test_a_push_endpoint_is_refused_where_a_webhook_url_is(database_url: str, tmp_path: Path) -> None:
    """The webhook's rule, the strict one (production's): private, loopback, link-local, reserved and
    multicast addresses in every spelling (`2130706433`, `0x7f000001`, `[::ffff:127.0.0.1]`), a name that
    resolves to one (`localhost`), and anything but https."""
    for api in _api(database_url, tmp_path):
        admin = api.token("admin")
        _, secret = resident(api, admin)
        others = [
            "ftp://push.example/x",
            "https://[::1",
            "https://user:pw@push.example/x",
            "https://100.64.0.1/",
        ]
        refused(api, secret, FROM_THE_ISSUE + OTHER_SPELLINGS + others)
        problem(api.get("/v1/me/push-subscriptions", admin), 403, "forbidden")


def test_even_the_development_setting_refuses_private_networks(api: Api, admin: str) -> None:
    _, secret = resident(api, admin)
    private = ["http://10.0.0.1/", "http://169.254.169.254/", "http://[fd00::1]/", "http://0.0.0.0:5432/"]
    refused(api, secret, [*private, "https://[fe80::1]/push", "http://192.168.1.1/push"])


def test_a_subscription_is_checked_again_before_each_send(api: Api, admin: str, push: PushService) -> None:
    rid, secret = resident(api, admin)
    give_points(api, rid, 50, today() + timedelta(days=3))
    subscription, _, _ = push.browser("phone")
    assert api.post("/v1/me/push-subscriptions", secret, subscription, key=None).status_code == 201
    assert remind(api, policy=egress.STRICT) == 0  # under the strict rule loopback is refused: not sent
    assert push.received == []
    assert remind(api) == 1  # still subscribed, and sent where it is allowed
    assert len(push.received) == 1


def test_the_city_can_turn_reminders_off(database_url: str, tmp_path: Path, push: PushService) -> None:
    for api in _api(database_url, tmp_path, webhook_allow_insecure=True, push_reminders=False):
        admin = api.token("admin")
        rid, secret = resident(api, admin)
        give_points(api, rid, 50, today() + timedelta(days=14))
        subscription, _, _ = push.browser("off")
        api.post("/v1/me/push-subscriptions", secret, subscription, key=None)
        assert api.get("/v1/push/public-key", None).json()["enabled"] is False
        assert remind(api) == 0 and push.received == []
