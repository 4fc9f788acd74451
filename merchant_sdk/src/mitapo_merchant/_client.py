"""`Client` and `AsyncClient`: the merchant endpoints of the みたポ API over httpx, with safe retries.

Retrying a payment is only safe because every POST carries an `Idempotency-Key`, made once per call and
sent unchanged on each of its retries: when an answer is lost, the server replays the first outcome instead
of charging twice. Retries happen on transport errors, 429 and 5xx, where trying again can help; never on
another 4xx, where the same request would only be refused again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from mitapo_merchant import _calls
from mitapo_merchant._calls import Call
from mitapo_merchant._exceptions import APIError, TransportError, UnexpectedResponse, api_error_class
from mitapo_merchant._models import Page, Payment, PaymentRequest, Refund
from mitapo_merchant._version import __version__

__all__ = ["AsyncClient", "Client", "RetryPolicy"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Capped exponential backoff: 0.5 s, 1 s, 2 s ... never more than `max_delay` between tries."""

    max_retries: int = 3
    initial_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, retries_done: int, response: httpx.Response | None) -> float | None:
        """Seconds to wait before the next try, or None when this outcome is final."""
        if retries_done >= self.max_retries:
            return None
        if response is not None and not _is_retryable(response.status_code):
            return None
        backoff = min(self.max_delay, self.initial_delay * 2.0**retries_done)
        retry_after: str = "" if response is None else response.headers.get("Retry-After", "")
        if retry_after.isascii() and retry_after.isdigit():
            return min(self.max_delay, max(backoff, float(retry_after)))
        return backoff


class _BaseClient:
    """Configuration and the I/O-free halves of a call: headers, and turning an answer into a result."""

    def __init__(self, base_url: str, api_key: str, *, max_retries: int) -> None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http:// or https:// URL, not {base_url!r}")
        if not isinstance(api_key, str) or not api_key:
            raise ValueError("api_key must be the merchant's non-empty API key")
        if not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError(f"max_retries must be a non-negative int, not {max_retries!r}")
        self.base_url = base_url
        self._retry = RetryPolicy(max_retries=max_retries)
        self._headers = {
            "Authorization": f"Bearer {api_key}",
            "Accept": "application/json, application/problem+json",
            "User-Agent": f"mitapo-merchant/{__version__}",
        }

    def _request_args(self, call: Call[Any]) -> dict[str, Any]:
        headers = dict(self._headers)
        if call.idempotency_key is not None:
            headers["Idempotency-Key"] = call.idempotency_key
        return {
            "method": call.method,
            "url": call.path,
            "json": call.body,
            "params": call.params,
            "headers": headers,
        }

    def _result(self, call: Call[T], response: httpx.Response) -> T:
        if not response.is_success:
            raise _problem(response)
        try:
            document = response.json()
        except ValueError:
            message = f"{call.method} {call.path} answered {response.status_code} without JSON"
            raise UnexpectedResponse(message) from None
        return call.parse(document)

    def _gave_up(self, call: Call[Any], error: httpx.TransportError) -> TransportError:
        tries = self._retry.max_retries + 1
        message = f"no answer from {self.base_url} to {call.method} {call.path} in {tries} tries: {error!r}"
        return TransportError(message, idempotency_key=call.idempotency_key)


class Client(_BaseClient):
    """A merchant's connection to the みたポ API. Use it as a context manager, or call `close()`.

    `transport` replaces the network (tests pass `httpx.MockTransport`); `sleep` replaces the wait between
    retries, so tests need not wait.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        max_retries: int = 3,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(base_url, api_key, max_retries=max_retries)
        self._sleep = sleep
        self._http = httpx.Client(base_url=base_url, timeout=timeout, transport=transport)

    def create_payment_request(
        self, amount: int, reference: str | None = None, *, idempotency_key: str | None = None
    ) -> PaymentRequest:
        """A payment request for `amount` yen; show its `qr_payload` as a QR code to the customer."""
        return self._run(_calls.create_payment_request(amount, reference, idempotency_key))

    def get_payment_request(self, payment_request_id: str) -> PaymentRequest:
        """The request's current status: "open", "paid" (with `payment_id`) or "expired"."""
        return self._run(_calls.get_payment_request(payment_request_id))

    def charge(
        self, pay_code: str, amount: int, reference: str | None = None, *, idempotency_key: str | None = None
    ) -> Payment:
        """Take `amount` yen from the customer whose pay code (shown in their app) was scanned."""
        return self._run(_calls.charge(pay_code, amount, reference, idempotency_key))

    def charge_card(
        self,
        card: str,
        pin: str,
        amount: int,
        reference: str | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> Payment:
        """Take `amount` yen from a みたポ card (its QR scanned, or its number typed) with the PIN the
        customer entered on the till. Never store or log the PIN."""
        return self._run(_calls.charge_card(card, pin, amount, reference, idempotency_key))

    def refund(self, payment_id: str, amount: int, *, idempotency_key: str | None = None) -> Refund:
        """Give back `amount` yen of a payment, in points and money as it was paid."""
        return self._run(_calls.refund(payment_id, amount, idempotency_key))

    def list_payments(self, cursor: str | None = None, limit: int | None = None) -> Page[Payment]:
        """One page of this shop's payments, newest first; pass `next_cursor` on for the next page."""
        return self._run(_calls.list_payments(cursor, limit))

    def iter_payments(self, limit: int | None = None) -> Iterator[Payment]:
        """Every payment of this shop, fetching pages of `limit` as the iteration goes."""
        cursor: str | None = None
        while True:
            page = self.list_payments(cursor, limit)
            yield from page.items
            cursor = _next_cursor(cursor, page)
            if cursor is None:
                return

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def _run(self, call: Call[T]) -> T:
        retries_done = 0
        while True:
            try:
                response = self._http.request(**self._request_args(call))
            except httpx.TransportError as error:
                delay = self._retry.delay(retries_done, None)
                if delay is None:
                    raise self._gave_up(call, error) from error
            else:
                delay = self._retry.delay(retries_done, response)
                if delay is None:
                    return self._result(call, response)
            self._sleep(delay)
            retries_done += 1


class AsyncClient(_BaseClient):
    """`Client` for asyncio: the same methods, awaited. Use it as an async context manager or `aclose()`."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        max_retries: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(base_url, api_key, max_retries=max_retries)
        self._sleep = sleep
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)

    async def create_payment_request(
        self, amount: int, reference: str | None = None, *, idempotency_key: str | None = None
    ) -> PaymentRequest:
        """A payment request for `amount` yen; show its `qr_payload` as a QR code to the customer."""
        return await self._run(_calls.create_payment_request(amount, reference, idempotency_key))

    async def get_payment_request(self, payment_request_id: str) -> PaymentRequest:
        """The request's current status: "open", "paid" (with `payment_id`) or "expired"."""
        return await self._run(_calls.get_payment_request(payment_request_id))

    async def charge(
        self, pay_code: str, amount: int, reference: str | None = None, *, idempotency_key: str | None = None
    ) -> Payment:
        """Take `amount` yen from the customer whose pay code (shown in their app) was scanned."""
        return await self._run(_calls.charge(pay_code, amount, reference, idempotency_key))

    async def charge_card(
        self,
        card: str,
        pin: str,
        amount: int,
        reference: str | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> Payment:
        """Take `amount` yen from a みたポ card (its QR scanned, or its number typed) with the PIN the
        customer entered on the till. Never store or log the PIN."""
        return await self._run(_calls.charge_card(card, pin, amount, reference, idempotency_key))

    async def refund(self, payment_id: str, amount: int, *, idempotency_key: str | None = None) -> Refund:
        """Give back `amount` yen of a payment, in points and money as it was paid."""
        return await self._run(_calls.refund(payment_id, amount, idempotency_key))

    async def list_payments(self, cursor: str | None = None, limit: int | None = None) -> Page[Payment]:
        """One page of this shop's payments, newest first; pass `next_cursor` on for the next page."""
        return await self._run(_calls.list_payments(cursor, limit))

    async def iter_payments(self, limit: int | None = None) -> AsyncIterator[Payment]:
        """Every payment of this shop, fetching pages of `limit` as the iteration goes."""
        cursor: str | None = None
        while True:
            page = await self.list_payments(cursor, limit)
            for payment in page.items:
                yield payment
            cursor = _next_cursor(cursor, page)
            if cursor is None:
                return

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _run(self, call: Call[T]) -> T:
        retries_done = 0
        while True:
            try:
                response = await self._http.request(**self._request_args(call))
            except httpx.TransportError as error:
                delay = self._retry.delay(retries_done, None)
                if delay is None:
                    raise self._gave_up(call, error) from error
            else:
                delay = self._retry.delay(retries_done, response)
                if delay is None:
                    return self._result(call, response)
            await self._sleep(delay)
            retries_done += 1


def _is_retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _next_cursor(previous: str | None, page: Page[Any]) -> str | None:
    if page.next_cursor is not None and page.next_cursor == previous:
        raise UnexpectedResponse(f"the server returned cursor {previous!r} again; stopping to avoid a loop")
    return page.next_cursor


def _problem(response: httpx.Response) -> APIError:
    """The APIError subclass for a problem+json answer (or, from a proxy, whatever else came back)."""
    try:
        document = response.json()
    except ValueError:
        document = None
    fields: dict[str, Any] = document if isinstance(document, dict) else {}

    def text(name: str, fallback: str) -> str:
        value = fields.get(name)
        return value if isinstance(value, str) else fallback

    code = fields.get("code") if isinstance(fields.get("code"), str) else None
    error_class = api_error_class(code, response.status_code)
    detail = text("detail", "" if fields else response.text[:200])
    return error_class(
        response.status_code, code, text("title", response.reason_phrase), detail, text("type", "about:blank")
    )
