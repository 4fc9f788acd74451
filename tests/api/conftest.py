"""An app on a fresh database, driven through Litestar's TestClient, with helpers to make principals and to
reach the running service (sealing, checking the journal) through the client's own event loop."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from litestar.testing import TestClient

from mitapo.accounts import auth
from mitapo.app import create_app
from mitapo.runtime import Runtime
from mitapo.settings import Settings

T = TypeVar("T")
# The city's account the test services pay from (MITAPO_PAYOUT_PAYER): a real bank and branch.
TEST_PAYER = "1234567890,ﾐﾀｶｼ,0001,ﾐｽﾞﾎ,247,ﾐﾀｶ,ordinary,7654321"
METRICS_SECRET = "metrics-secret-for-tests"  # /metrics answers only to it (docs/security.md)


class Api:
    """A TestClient with the shortcuts every API test needs."""

    def __init__(self, client: TestClient[Any]) -> None:
        self.client = client

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.client.app.state.runtime
        return runtime

    def run(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        return self.client.blocking_portal.call(fn, *args)

    def token(self, role: str, name: str = "someone") -> str:
        _, secret = self.run(auth.create_principal, self.runtime.db, role, name)
        return secret

    def post(self, path: str, secret: str, body: Any, *, key: str | None = "auto", **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {secret}"}
        if key is not None:
            headers["Idempotency-Key"] = uuid.uuid4().hex if key == "auto" else key
        return self.client.post(path, json=body, headers=headers, **kw)

    def get(self, path: str, secret: str | None, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        return self.client.get(path, headers=headers, **kw)

    def seal(self) -> int:
        return self.run(self.runtime.seal_now)

    def journal_size(self) -> int:
        """Entries plus every row the writer may add: what 'wrote nothing' is measured against."""

        async def count() -> int:
            async with self.runtime.db.raw() as conn:
                return int(
                    await conn.fetchval(
                        "SELECT (SELECT count(*) FROM entries) + (SELECT count(*) FROM postings)"
                        " + (SELECT count(*) FROM spent_tokens) + (SELECT count(*) FROM idempotency_keys)"
                        " + (SELECT coalesce(sum(value), 0) FROM counters)"
                        " + (SELECT coalesce(sum(abs(posted)) + sum(pending), 0) FROM balances)"
                    )
                )

        return self.run(count)


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    settings = Settings(
        data_dir=tmp_path,
        seal_interval=3600,
        checkpoint_interval=3600,
        payout_payer=TEST_PAYER,
        metrics_secret=METRICS_SECRET,
    )
    app = create_app(settings, url=database_url, migrate=False)
    with TestClient(app) as client:
        yield Api(client)


@pytest.fixture
def admin(api: Api) -> str:
    return api.token("admin", "test admin")
