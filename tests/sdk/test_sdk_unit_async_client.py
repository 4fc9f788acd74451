"""`AsyncClient` shares its request building and answer reading with `Client`; these tests cover the
async halves: the retry loop, awaited sleeps, async pagination and closing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from typing import Any, TypeVar

import httpx
import pytest

from mitapo_merchant import (
    AsyncClient,
    InsufficientFunds,
    Payment,
    PaymentRequest,
    Refund,
    TransportError,
)

T = TypeVar("T")
BASE = "https://mitapo.test"
PAYMENT = {
    "id": "pay_1",
    "merchant_id": "m_1",
    "amount": 1200,
    "points_used": 1200,
    "money_used": 0,
    "entry_id": "ent_1",
    "status": "succeeded",
}


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


class Script:
    """Async handler answering from a list, recording requests and the sleeps it was asked for."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def client(self, **options: int) -> AsyncClient:
        return AsyncClient(BASE, "sk_test", transport=httpx.MockTransport(self), sleep=self.sleep, **options)


def test_retries_reuse_the_idempotency_key_and_await_the_backoff() -> None:
    script = Script(
        httpx.Response(503),
        httpx.ConnectError("reset"),
        httpx.Response(201, json={"id": "pr_1", "qr_payload": "000201", "expires_at": None}),
    )

    async def scenario() -> PaymentRequest:
        async with script.client() as client:
            return await client.create_payment_request(800, reference="r")

    request = run(scenario())
    assert request == PaymentRequest(id="pr_1", amount=800, status="open", qr_payload="000201", reference="r")
    assert len({r.headers["Idempotency-Key"] for r in script.requests}) == 1
    assert len(script.requests) == 3
    assert script.sleeps == [0.5, 1.0]


def test_separate_calls_get_separate_keys() -> None:
    script = Script(httpx.Response(201, json=PAYMENT))

    async def scenario() -> list[Payment]:
        async with script.client() as client:
            return [await client.charge("CODE", 1200), await client.charge("CODE", 1200)]

    assert run(scenario()) == [Payment(**PAYMENT)] * 2  # type: ignore[arg-type]
    assert script.requests[0].headers["Idempotency-Key"] != script.requests[1].headers["Idempotency-Key"]
    assert json.loads(script.requests[0].content) == {"pay_code": "CODE", "amount": 1200}


def test_refund_and_status() -> None:
    refunded = {"id": "rf_1", "points_refunded": 5, "money_refunded": 0, "entry_id": "ent_2"}
    status = {"id": "pr_1", "amount": 5, "status": "expired"}
    script = Script(httpx.Response(201, json=refunded), httpx.Response(200, json=status))

    async def scenario() -> tuple[Refund, PaymentRequest]:
        async with script.client() as client:
            return await client.refund("pay_1", 5), await client.get_payment_request("pr_1")

    refund, request = run(scenario())
    assert refund.points_refunded == 5
    assert request.status == "expired"
    assert [r.url.path for r in script.requests] == [
        "/v1/payments/pay_1/refunds",
        "/v1/payment-requests/pr_1",
    ]


def test_client_errors_are_not_retried() -> None:
    script = Script(
        httpx.Response(422, json={"status": 422, "code": "insufficient_funds", "detail": "¥0 left"})
    )

    async def scenario() -> None:
        async with script.client() as client:
            await client.charge("CODE", 1200)

    with pytest.raises(InsufficientFunds, match="¥0 left"):
        run(scenario())
    assert len(script.requests) == 1
    assert script.sleeps == []


def test_transport_failure_after_retries() -> None:
    script = Script(httpx.ConnectError("down"))

    async def scenario() -> None:
        async with script.client(max_retries=1) as client:
            await client.refund("pay_1", 1)

    with pytest.raises(TransportError) as caught:
        run(scenario())
    assert len(script.requests) == 2
    assert caught.value.idempotency_key == script.requests[0].headers["Idempotency-Key"]


def test_iter_payments_walks_every_page() -> None:
    script = Script(
        httpx.Response(200, json={"items": [{**PAYMENT, "id": "p1"}], "next_cursor": "c1"}),
        httpx.Response(200, json={"items": [{**PAYMENT, "id": "p2"}], "next_cursor": None}),
    )

    async def scenario() -> list[str]:
        async with script.client() as client:
            return [payment.id async for payment in client.iter_payments(limit=1)]

    assert run(scenario()) == ["p1", "p2"]
    assert script.requests[1].url.params["cursor"] == "c1"


def test_aclose_closes_the_connection_pool() -> None:
    script = Script(httpx.Response(200, json={"items": [], "next_cursor": None}))

    async def scenario() -> None:
        client = script.client()
        await client.list_payments()
        await client.aclose()
        with pytest.raises(RuntimeError):
            await client.list_payments()

    run(scenario())
