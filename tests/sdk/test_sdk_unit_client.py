"""`Client` against `httpx.MockTransport`: requests sent, answers read, retries, idempotency, errors."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

import mitapo_merchant
from mitapo_merchant import (
    APIError,
    Client,
    Page,
    Payment,
    PaymentRequest,
    Refund,
    TransportError,
    UnexpectedResponse,
)

BASE = "https://mitapo.test"
PAYMENT = {
    "id": "pay_1",
    "merchant_id": "m_1",
    "amount": 1200,
    "points_used": 1000,
    "money_used": 200,
    "entry_id": "ent_9",
    "status": "succeeded",
    "reference": "r-1",
}
Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class FakeServer:
    """Answers requests from a script, one answer per request, and remembers what it was sent."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return answer(request)

    @property
    def keys(self) -> list[str | None]:
        return [request.headers.get("Idempotency-Key") for request in self.requests]

    def body(self, index: int = -1) -> object:
        return json.loads(self.requests[index].content)


def problem(status: int, code: str | None, detail: str = "it went wrong") -> httpx.Response:
    document = {"type": "about:blank", "title": "Refused", "status": status, "detail": detail}
    if code is not None:
        document["code"] = code
    return httpx.Response(status, json=document, headers={"Content-Type": "application/problem+json"})


def make_client(server: FakeServer, sleeps: list[float] | None = None, **options: int) -> Client:
    record = sleeps if sleeps is not None else []
    return Client(BASE, "sk_test", transport=httpx.MockTransport(server), sleep=record.append, **options)


# --- requests and results ----------------------------------------------------------------------------------


def test_create_payment_request_sends_the_contract_and_reads_the_answer() -> None:
    answer = {"id": "pr_1", "qr_payload": "000201...", "expires_at": "2026-01-01T09:05:00+09:00"}
    server = FakeServer(httpx.Response(201, json=answer))
    with make_client(server) as client:
        request = client.create_payment_request(1200, reference="receipt-42")
    sent = server.requests[0]
    assert (sent.method, sent.url.path) == ("POST", "/v1/payment-requests")
    assert sent.headers["Authorization"] == "Bearer sk_test"
    assert sent.headers["Content-Type"] == "application/json"
    assert server.body() == {"amount": 1200, "reference": "receipt-42"}
    assert uuid.UUID(sent.headers["Idempotency-Key"]).version == 4
    assert request == PaymentRequest(
        id="pr_1",
        amount=1200,
        status="open",
        qr_payload="000201...",
        expires_at=datetime(2026, 1, 1, 0, 5, tzinfo=UTC),
        reference="receipt-42",
    )


def test_reference_is_left_out_when_not_given() -> None:
    server = FakeServer(httpx.Response(201, json={"id": "pr_1", "qr_payload": "x", "expires_at": None}))
    with make_client(server) as client:
        client.create_payment_request(500)
    assert server.body() == {"amount": 500}


def test_get_payment_request_reads_status_and_payment() -> None:
    answer = {"id": "pr_1", "amount": 1200, "status": "paid", "payment_id": "pay_1"}
    server = FakeServer(httpx.Response(200, json=answer))
    with make_client(server) as client:
        request = client.get_payment_request("pr_1")
    assert (server.requests[0].method, server.requests[0].url.path) == ("GET", "/v1/payment-requests/pr_1")
    assert "Idempotency-Key" not in server.requests[0].headers
    assert request == PaymentRequest(id="pr_1", amount=1200, status="paid", payment_id="pay_1")
    assert request.qr_payload is None
    assert request.expires_at is None


def test_ids_cannot_escape_their_path() -> None:
    server = FakeServer(httpx.Response(200, json={"id": "x", "amount": 1, "status": "open"}))
    with make_client(server) as client:
        client.get_payment_request("../merchants?x=1")
    assert server.requests[0].url.raw_path == b"/v1/payment-requests/..%2Fmerchants%3Fx%3D1"


def test_charge() -> None:
    server = FakeServer(httpx.Response(201, json={**PAYMENT, "extra_field_from_a_newer_server": True}))
    with make_client(server) as client:
        payment = client.charge("PAYCODE", 1200, reference="r-1")
    assert server.requests[0].url.path == "/v1/charges"
    assert server.body() == {"pay_code": "PAYCODE", "amount": 1200, "reference": "r-1"}
    assert payment == Payment(**PAYMENT)  # type: ignore[arg-type]


def test_refund() -> None:
    answer = {"id": "rf_1", "points_refunded": 100, "money_refunded": 200, "entry_id": "ent_10"}
    server = FakeServer(httpx.Response(201, json=answer))
    with make_client(server) as client:
        refund = client.refund("pay_1", 300)
    assert server.requests[0].url.path == "/v1/payments/pay_1/refunds"
    assert server.body() == {"amount": 300}
    assert refund == Refund(id="rf_1", points_refunded=100, money_refunded=200, entry_id="ent_10")


def test_base_url_may_carry_a_path_prefix() -> None:
    server = FakeServer(httpx.Response(200, json={"id": "pr_1", "amount": 1, "status": "open"}))
    with Client(f"{BASE}/mitapo/", "sk", transport=httpx.MockTransport(server)) as client:
        client.get_payment_request("pr_1")
    assert server.requests[0].url.path == "/mitapo/v1/payment-requests/pr_1"


# --- idempotency -------------------------------------------------------------------------------------------


def test_idempotency_key_is_reused_on_every_retry_of_one_call() -> None:
    created = httpx.Response(201, json={"id": "pr_1", "qr_payload": "x", "expires_at": None})
    server = FakeServer(problem(503, None), httpx.ConnectError("reset"), problem(502, None), created)
    with make_client(server) as client:
        client.create_payment_request(100)
    assert len(server.requests) == 4
    assert len(set(server.keys)) == 1
    assert all(server.body(i) == {"amount": 100} for i in range(4))


def test_idempotency_key_differs_between_calls() -> None:
    refunded = {"id": "rf_1", "points_refunded": 0, "money_refunded": 1, "entry_id": "ent_2"}
    server = FakeServer(httpx.Response(201, json=PAYMENT), httpx.Response(201, json=PAYMENT))
    server.answers.append(httpx.Response(201, json=refunded))
    with make_client(server) as client:
        client.charge("CODE", 1200)
        client.charge("CODE", 1200)
        client.refund("pay_1", 1)
    assert len(set(server.keys)) == 3


def test_caller_may_choose_the_idempotency_key() -> None:
    server = FakeServer(httpx.Response(201, json=PAYMENT))
    with make_client(server) as client:
        client.charge("CODE", 1200, idempotency_key="receipt-42")
        client.charge("CODE", 1200, idempotency_key="receipt-42")
    assert server.keys == ["receipt-42", "receipt-42"]


@pytest.mark.parametrize("key", ["", "x" * 256, "日本", "a\nb"])
def test_invalid_idempotency_keys_are_refused(key: str) -> None:
    server = FakeServer(httpx.Response(201, json=PAYMENT))
    with make_client(server) as client, pytest.raises(ValueError, match="idempotency key"):
        client.charge("CODE", 1200, idempotency_key=key)
    assert server.requests == []


def test_transport_error_names_the_key_to_retry_with() -> None:
    server = FakeServer(httpx.ConnectTimeout("no route"))
    with make_client(server) as client, pytest.raises(TransportError) as caught:
        client.charge("CODE", 1200)
    assert caught.value.idempotency_key == server.keys[0]
    assert len(server.requests) == 4


# --- retry policy ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried(status: int) -> None:
    sleeps: list[float] = []
    server = FakeServer(problem(status, None), httpx.Response(200, json={"items": [], "next_cursor": None}))
    with make_client(server, sleeps) as client:
        assert client.list_payments() == Page(items=(), next_cursor=None)
    assert len(server.requests) == 2
    assert sleeps == [0.5]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_other_client_errors_are_never_retried(status: int) -> None:
    sleeps: list[float] = []
    server = FakeServer(problem(status, "validation_error"), httpx.Response(201, json=PAYMENT))
    with make_client(server, sleeps) as client, pytest.raises(APIError):
        client.charge("CODE", 1200)
    assert len(server.requests) == 1
    assert sleeps == []


def test_backoff_is_exponential_and_capped() -> None:
    sleeps: list[float] = []
    server = FakeServer(problem(503, None))
    with make_client(server, sleeps, max_retries=6) as client, pytest.raises(APIError) as caught:
        client.get_payment_request("pr_1")
    assert caught.value.status == 503
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert len(server.requests) == 7


def test_retry_after_is_honoured_within_the_cap() -> None:
    sleeps: list[float] = []
    server = FakeServer(
        httpx.Response(429, headers={"Retry-After": "3"}),
        httpx.Response(429, headers={"Retry-After": "120"}),
        httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}),
        httpx.Response(200, json={"id": "pr_1", "amount": 1, "status": "open"}),
    )
    with make_client(server, sleeps) as client:
        client.get_payment_request("pr_1")
    assert sleeps == [3.0, 8.0, 2.0]


def test_transport_errors_are_retried_then_raised() -> None:
    sleeps: list[float] = []
    server = FakeServer(httpx.ReadTimeout("slow"))
    with make_client(server, sleeps, max_retries=2) as client, pytest.raises(TransportError, match="3 tries"):
        client.get_payment_request("pr_1")
    assert len(server.requests) == 3
    assert sleeps == [0.5, 1.0]


def test_no_retries_when_max_retries_is_zero() -> None:
    server = FakeServer(problem(503, None))
    with make_client(server, max_retries=0) as client, pytest.raises(APIError):
        client.get_payment_request("pr_1")
    assert len(server.requests) == 1


# --- errors ------------------------------------------------------------------------------------------------

CONTRACT_CODES = {
    "unauthorized": "Unauthorized",
    "forbidden": "Forbidden",
    "not_found": "NotFound",
    "validation_error": "ValidationError",
    "idempotency_key_required": "IdempotencyKeyRequired",
    "idempotency_mismatch": "IdempotencyMismatch",
    "insufficient_funds": "InsufficientFunds",
    "budget_exhausted": "BudgetExhausted",
    "cap_exceeded": "CapExceeded",
    "already_claimed": "AlreadyClaimed",
    "code_expired": "CodeExpired",
    "code_invalid": "CodeInvalid",
    "event_not_open": "EventNotOpen",
    "event_full": "EventFull",
    "gifting_disabled": "GiftingDisabled",
    "refund_exceeds_payment": "RefundExceedsPayment",
    "duplicate_external_ref": "DuplicateExternalRef",
    "balance_limit_exceeded": "BalanceLimitExceeded",
}


@pytest.mark.parametrize(("code", "class_name"), CONTRACT_CODES.items())
def test_each_contract_code_raises_its_own_exception(code: str, class_name: str) -> None:
    server = FakeServer(problem(422, code, detail=f"because {code}"))
    with make_client(server) as client, pytest.raises(APIError) as caught:
        client.charge("CODE", 1200)
    error = caught.value
    assert type(error) is getattr(mitapo_merchant, class_name)
    assert type(error).__name__ == class_name
    assert (error.status, error.code, error.title, error.detail) == (422, code, "Refused", f"because {code}")
    assert code in str(error)


def test_unknown_code_is_a_plain_api_error() -> None:
    server = FakeServer(problem(409, "brand_new_code"))
    with make_client(server) as client, pytest.raises(APIError) as caught:
        client.charge("CODE", 1200)
    assert type(caught.value) is APIError
    assert caught.value.code == "brand_new_code"


@pytest.mark.parametrize(
    ("status", "class_name"), [(401, "Unauthorized"), (403, "Forbidden"), (404, "NotFound")]
)
def test_problem_without_code_falls_back_to_the_status(status: int, class_name: str) -> None:
    server = FakeServer(problem(status, None))
    with make_client(server) as client, pytest.raises(APIError) as caught:
        client.get_payment_request("pr_1")
    assert type(caught.value).__name__ == class_name


def test_a_proxy_error_page_is_still_an_api_error() -> None:
    server = FakeServer(httpx.Response(502, text="<html>Bad Gateway</html>"))
    with make_client(server, max_retries=0) as client, pytest.raises(APIError) as caught:
        client.get_payment_request("pr_1")
    assert (caught.value.status, caught.value.code) == (502, None)
    assert "Bad Gateway" in caught.value.detail


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(201, text="not json"),
        httpx.Response(201, json=[PAYMENT]),
        httpx.Response(201, json={**PAYMENT, "amount": 12.5}),
        httpx.Response(201, json={**PAYMENT, "amount": "1200"}),
        httpx.Response(201, json={**PAYMENT, "points_used": True}),
        httpx.Response(201, json={**PAYMENT, "money_used": -1}),
        httpx.Response(201, json={k: v for k, v in PAYMENT.items() if k != "entry_id"}),
        httpx.Response(201, json={**PAYMENT, "reference": 42}),
    ],
)
def test_a_success_answer_that_breaks_the_contract_is_unexpected(answer: httpx.Response) -> None:
    with make_client(FakeServer(answer)) as client, pytest.raises(UnexpectedResponse):
        client.charge("CODE", 1200)


@pytest.mark.parametrize(
    "answer",
    [
        {"id": "pr_1", "amount": 1, "status": "cancelled"},
        {"id": "pr_1", "amount": 1, "status": "open", "expires_at": "tomorrow"},
        {"id": "pr_1", "amount": 1, "status": "open", "expires_at": "2026-01-01T09:00:00"},
    ],
)
def test_payment_request_answers_are_checked(answer: dict[str, object]) -> None:
    with (
        make_client(FakeServer(httpx.Response(200, json=answer))) as client,
        pytest.raises(UnexpectedResponse),
    ):
        client.get_payment_request("pr_1")


# --- client-side validation --------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [0, -1, True, False, 1.5, "100", None])
def test_amounts_are_checked_before_sending(amount: object) -> None:
    server = FakeServer(httpx.Response(201, json=PAYMENT))
    with make_client(server) as client:
        for call in (
            lambda: client.create_payment_request(amount),  # type: ignore[arg-type]
            lambda: client.charge("CODE", amount),  # type: ignore[arg-type]
            lambda: client.refund("pay_1", amount),  # type: ignore[arg-type]
        ):
            with pytest.raises(ValueError, match="amount"):
                call()
    assert server.requests == []


@pytest.mark.parametrize(
    "call",
    [
        lambda client: client.charge("", 100),
        lambda client: client.refund("", 100),
        lambda client: client.get_payment_request(""),
        lambda client: client.list_payments(limit=0),
        lambda client: client.list_payments(cursor=""),
        lambda client: client.create_payment_request(100, reference=""),
    ],
)
def test_other_arguments_are_checked_before_sending(call: Callable[[Client], object]) -> None:
    server = FakeServer(httpx.Response(201, json=PAYMENT))
    with make_client(server) as client, pytest.raises(ValueError):  # noqa: PT011 - one per argument
        call(client)
    assert server.requests == []


@pytest.mark.parametrize(
    ("base_url", "api_key", "max_retries"),
    [("mitapo.test", "sk", 3), (BASE, "", 3), (BASE, "sk", -1)],
)
def test_construction_is_checked(base_url: str, api_key: str, max_retries: int) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - one per argument
        Client(base_url, api_key, max_retries=max_retries)


# --- pagination --------------------------------------------------------------------------------------------


def paged(pages: dict[str | None, tuple[list[str], str | None]]) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        ids, next_cursor = pages[request.url.params.get("cursor")]
        items = [{**PAYMENT, "id": payment_id} for payment_id in ids]
        return httpx.Response(200, json={"items": items, "next_cursor": next_cursor})

    return answer


def test_list_payments_passes_cursor_and_limit() -> None:
    server = FakeServer(paged({"c2": (["pay_3"], None)}))
    with make_client(server) as client:
        page = client.list_payments(cursor="c2", limit=10)
    assert server.requests[0].url.path == "/v1/merchant/payments"
    assert dict(server.requests[0].url.params) == {"cursor": "c2", "limit": "10"}
    assert page.next_cursor is None
    assert [payment.id for payment in page.items] == ["pay_3"]


def test_iter_payments_walks_every_page() -> None:
    server = FakeServer(paged({None: (["p1", "p2"], "c1"), "c1": ([], "c2"), "c2": (["p3"], None)}))
    with make_client(server) as client:
        assert [payment.id for payment in client.iter_payments(limit=2)] == ["p1", "p2", "p3"]
    assert [dict(request.url.params) for request in server.requests] == [
        {"limit": "2"},
        {"cursor": "c1", "limit": "2"},
        {"cursor": "c2", "limit": "2"},
    ]


def test_iter_payments_stops_on_a_cursor_that_does_not_move() -> None:
    server = FakeServer(paged({None: (["p1"], "c1"), "c1": (["p2"], "c1")}))
    with make_client(server) as client, pytest.raises(UnexpectedResponse, match="c1"):
        list(client.iter_payments())
