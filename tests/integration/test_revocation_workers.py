"""A revoked secret is refused by every worker process on its next request: `mitapo serve --workers 2` and a
second `mitapo serve`, each worker having just taken the secret, then a revocation through one of them, then
every request to either server (enough to reach both workers) is `credential_revoked`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from mitapo.accounts import auth
from tests.integration.test_workers import two_servers, with_runtime

pytestmark = pytest.mark.slow
__all__ = ["two_servers"]  # the fixture, used by name


def test_a_revocation_holds_in_every_worker_at_once(
    two_servers: tuple[str, str], database_url: str, tmp_path: Path
) -> None:
    first, second = two_servers
    admin = with_runtime(
        database_url,
        tmp_path / "state",
        lambda runtime: auth.create_principal(runtime.db, "admin", "市の管理者"),
    )[1]
    headers = {"Authorization": f"Bearer {admin}"}
    shop = httpx.post(f"{first}/v1/merchants", json={"name": "駅前書店"}, headers=headers, timeout=30).json()
    key = {"Authorization": f"Bearer {shop['api_key']}"}

    def statuses() -> list[tuple[int, str]]:
        async def ask() -> list[httpx.Response]:
            async with httpx.AsyncClient(timeout=30) as client:
                calls = [client.get(f"{base}/v1/merchant/payments", headers=key) for base in (first, second)]
                return list(await asyncio.gather(*(calls * 10)))  # concurrent: both workers of `first` answer

        return [(r.status_code, r.json().get("code", "")) for r in asyncio.run(ask())]

    assert set(statuses()) == {(200, "")}
    revocation = f"{second}/v1/principals/{shop['id']}/revocation"
    revoked = httpx.post(revocation, json={"reason": "盗難"}, headers=headers, timeout=30)
    assert revoked.status_code == 201, revoked.text
    assert set(statuses()) == {(401, "credential_revoked")}
