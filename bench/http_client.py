"""The benchmarks' HTTP client: aiohttp, because the client must cost much less than the server it measures.

httpx's AsyncClient spent about 2.1 ms of CPU per request at 32 requests in flight on this machine (its
connection pool and anyio), aiohttp about 0.1 ms: with httpx the benchmarks measured their own client, which
took a whole CPU while the server idled at a third of one. Tests and the merchant SDK keep httpx.
"""

from __future__ import annotations

from typing import Any

import aiohttp


class Answer:
    """A response read whole: its status and its JSON body (None when it has none)."""

    __slots__ = ("body", "status")

    def __init__(self, status: int, body: Any) -> None:
        self.status, self.body = status, body


class Client:
    """Keep-alive connections to one base URL, up to `connections` at once."""

    def __init__(self, base: str, connections: int = 64, timeout: float = 60) -> None:
        self._base = base
        self._connections = connections
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Client:
        connector = aiohttp.TCPConnector(limit=self._connections)
        self._session = aiohttp.ClientSession(self._base, connector=connector, timeout=self._timeout)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def request(
        self, method: str, path: str, *, json: Any = None, headers: dict[str, str] | None = None
    ) -> Answer:
        assert self._session is not None, "use the client in `async with`"
        async with self._session.request(method, path, json=json, headers=headers) as response:
            body = await response.json(content_type=None) if response.content_length != 0 else None
            return Answer(response.status, body)

    async def call(
        self, method: str, path: str, *, json: Any = None, headers: dict[str, str] | None = None
    ) -> Any:
        """The JSON body of a 2xx answer; anything else raises."""
        answer = await self.request(method, path, json=json, headers=headers)
        if not 200 <= answer.status < 300:
            raise RuntimeError(f"{method} {path}: {answer.status} {answer.body}")
        return answer.body


TransportError = aiohttp.ClientError
