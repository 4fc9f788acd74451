"""The `mitapo-merchant` command, run in-process against a MockTransport through its client factory."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable

import httpx
import pytest

from mitapo_merchant import Client
from mitapo_merchant.cli import main
from mitapo_merchant.emvco import MerchantCode, encode

PAYLOAD = encode(
    MerchantCode(kind="dynamic", merchant_id="m_1", payment_request_id="pr_1", amount=1200, name="Shop")
)
PAYMENT = {
    "id": "pay_1",
    "merchant_id": "m_1",
    "amount": 1200,
    "points_used": 1000,
    "money_used": 200,
    "entry_id": "ent_1",
    "status": "succeeded",
}
Route = Callable[[httpx.Request], httpx.Response]


class Shop:
    """A fake server keyed by method and path, and the CLI's outputs."""

    def __init__(self, routes: dict[tuple[str, str], Route | list[httpx.Response]]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()
        self.factory_args: list[tuple[str, str]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = self.routes[(request.method, request.url.path)]
        if isinstance(route, list):
            return route.pop(0) if len(route) > 1 else route[0]
        return route(request)

    def client(self, base_url: str, api_key: str) -> Client:
        self.factory_args.append((base_url, api_key))
        return Client(base_url, api_key, transport=httpx.MockTransport(self.handle), sleep=lambda _: None)

    def run(self, *argv: str) -> int:
        arguments = ["--base-url", "https://mitapo.test", "--api-key", "sk_cli", *argv]
        return main(
            arguments,
            client_factory=self.client,
            stdout=self.stdout,
            stderr=self.stderr,
            sleep=self.sleeps.append,
        )


def created(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        201, json={"id": "pr_1", "qr_payload": PAYLOAD, "expires_at": "2026-01-01T09:05:00+09:00"}
    )


def test_request_prints_the_payload_and_the_qr_code() -> None:
    shop = Shop({("POST", "/v1/payment-requests"): created})
    assert shop.run("request", "1200", "--reference", "r-9") == 0
    output = shop.stdout.getvalue()
    assert "payment request pr_1 for ¥1,200, expires 2026-01-01T09:05:00+09:00" in output
    assert PAYLOAD in output.splitlines()
    assert "█" in output or "▀" in output  # qrcode is installed with the test extra: the code is drawn
    assert json.loads(shop.requests[0].content) == {"amount": 1200, "reference": "r-9"}
    assert shop.requests[0].headers["Authorization"] == "Bearer sk_cli"
    assert shop.factory_args == [("https://mitapo.test", "sk_cli")]


def test_request_wait_polls_until_paid() -> None:
    open_ = httpx.Response(200, json={"id": "pr_1", "amount": 1200, "status": "open"})
    paid = httpx.Response(200, json={"id": "pr_1", "amount": 1200, "status": "paid", "payment_id": "pay_7"})
    shop = Shop(
        {
            ("POST", "/v1/payment-requests"): created,
            ("GET", "/v1/payment-requests/pr_1"): [open_, open_, paid],
        }
    )
    assert shop.run("request", "1200", "--wait", "--interval", "1.5") == 0
    assert shop.sleeps == [1.5, 1.5, 1.5]
    assert "pr_1: paid, ¥1,200, payment pay_7" in shop.stdout.getvalue()


def test_request_wait_reports_expiry() -> None:
    expired = httpx.Response(200, json={"id": "pr_1", "amount": 1200, "status": "expired"})
    shop = Shop({("POST", "/v1/payment-requests"): created, ("GET", "/v1/payment-requests/pr_1"): [expired]})
    assert shop.run("request", "1200", "--wait") == 1
    assert "pr_1: expired" in shop.stdout.getvalue()


def test_request_wait_gives_up_after_the_timeout() -> None:
    open_ = httpx.Response(200, json={"id": "pr_1", "amount": 1200, "status": "open"})
    shop = Shop({("POST", "/v1/payment-requests"): created, ("GET", "/v1/payment-requests/pr_1"): [open_]})
    assert shop.run("request", "1200", "--wait", "--interval", "2", "--timeout", "10") == 1
    assert len(shop.sleeps) == 5
    assert "still open after 10 s" in shop.stdout.getvalue()


def test_status() -> None:
    answer = httpx.Response(200, json={"id": "pr_1", "amount": 300, "status": "open"})
    shop = Shop({("GET", "/v1/payment-requests/pr_1"): [answer]})
    assert shop.run("status", "pr_1") == 0
    assert shop.stdout.getvalue() == "pr_1: open, ¥300\n"


def test_refund() -> None:
    answer = {"id": "rf_1", "points_refunded": 100, "money_refunded": 200, "entry_id": "ent_2"}
    shop = Shop({("POST", "/v1/payments/pay_1/refunds"): [httpx.Response(201, json=answer)]})
    assert shop.run("refund", "pay_1", "300") == 0
    assert shop.stdout.getvalue() == "refund rf_1: 100 PT and ¥200 returned (entry ent_2)\n"
    assert "Idempotency-Key" in shop.requests[0].headers


def test_payments_lists_every_page() -> None:
    pages = [
        httpx.Response(200, json={"items": [PAYMENT], "next_cursor": "c1"}),
        httpx.Response(
            200, json={"items": [{**PAYMENT, "id": "pay_2", "reference": "R-7"}], "next_cursor": None}
        ),
    ]
    shop = Shop({("GET", "/v1/merchant/payments"): pages})
    assert shop.run("payments", "--limit", "1") == 0
    lines = shop.stdout.getvalue().splitlines()
    assert lines[0].split() == ["id", "amount", "points", "money", "status", "reference"]
    assert lines[1].split() == ["pay_1", "1,200", "1,000", "200", "succeeded", "-"]  # no slip number
    assert lines[2].split() == ["pay_2", "1,200", "1,000", "200", "succeeded", "R-7"]


def test_api_errors_are_reported_with_their_code() -> None:
    refused = httpx.Response(
        422, json={"status": 422, "code": "refund_exceeds_payment", "detail": "only ¥100 left"}
    )
    shop = Shop({("POST", "/v1/payments/pay_1/refunds"): [refused]})
    assert shop.run("refund", "pay_1", "300") == 1
    assert shop.stderr.getvalue() == "error: refund_exceeds_payment: only ¥100 left\n"


def test_bad_amounts_are_reported_without_a_request() -> None:
    shop = Shop({})
    assert shop.run("request", "0") == 1
    assert "amount must be a positive int" in shop.stderr.getvalue()
    assert shop.requests == []


def test_environment_supplies_url_and_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MITAPO_BASE_URL", "https://env.test")
    monkeypatch.setenv("MITAPO_API_KEY", "sk_env")
    shop = Shop(
        {("GET", "/v1/payment-requests/pr_1"): [httpx.Response(200, json={"id": "pr_1", "amount": 1})]}
    )
    assert main(["status", "pr_1"], client_factory=shop.client, stdout=shop.stdout, stderr=shop.stderr) == 0
    assert shop.factory_args == [("https://env.test", "sk_env")]


def test_missing_url_or_key_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MITAPO_BASE_URL", raising=False)
    monkeypatch.delenv("MITAPO_API_KEY", raising=False)
    with pytest.raises(SystemExit) as caught:
        main(["status", "pr_1"], stderr=io.StringIO())
    assert caught.value.code == 2


def test_without_qrcode_the_payload_is_still_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "qrcode", None)  # what `import qrcode` sees when it is not installed
    shop = Shop({("POST", "/v1/payment-requests"): created})
    assert shop.run("request", "1200") == 0
    output = shop.stdout.getvalue()
    assert PAYLOAD in output.splitlines()
    assert "mitapo-merchant[qr]" in output
