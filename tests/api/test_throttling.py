"""Brute force without locking out the innocent: failed secrets (unknown, revoked) are throttled per client
address and per secret, but a valid secret is never refused for what others failed from its address (a city
proxy or a carrier's NAT puts thousands of residents behind one). The address is read from X-Forwarded-For
only when the peer is a trusted proxy (`MITAPO_TRUSTED_PROXIES`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import transport

from mitapo.http.ratelimit import forwarded_client, trusted_networks
from mitapo.settings import Settings
from tests.api.conftest import Api
from tests.api.payments_support import problem, resident
from tests.api.test_abuse_limits import limited_api


@pytest.fixture
def per_address(database_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from limited_api(database_url, tmp_path, bad_secrets_per_address=10)


@pytest.fixture
def per_credential(database_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from limited_api(database_url, tmp_path, bad_secrets_per_credential=3)


def test_a_hundred_wrong_secrets_from_one_address_do_not_stop_a_valid_resident(per_address: Api) -> None:
    api = per_address
    admin = api.token("admin")
    _, secret = resident(api, admin)
    answers = [api.get("/v1/me", f"mtp_res_guess{n}").json()["code"] for n in range(100)]
    assert answers[:10] == ["unauthorized"] * 10
    assert set(answers[10:]) == {"locked_out"}  # the address is throttled for wrong secrets
    me = api.get("/v1/me", secret)  # from the very same address
    assert me.status_code == 200, me.text
    assert api.get("/v1/audit/trial-balance", admin).status_code == 200
    problem(api.get("/v1/me", "mtp_res_guess100"), 429, "locked_out")


def test_one_wrong_secret_tried_again_and_again_is_throttled_on_its_own(per_credential: Api) -> None:
    api = per_credential
    admin = api.token("admin")
    for _ in range(3):
        problem(api.get("/v1/audit/trial-balance", "mtp_adm_stale"), 401, "unauthorized")
    refused = api.get("/v1/audit/trial-balance", "mtp_adm_stale")
    problem(refused, 429, "locked_out")
    assert int(refused.headers["Retry-After"]) >= 1
    problem(api.get("/v1/audit/trial-balance", "mtp_adm_other"), 401, "unauthorized")  # another one: not
    assert api.get("/v1/audit/trial-balance", admin).status_code == 200


def test_a_revoked_secret_is_throttled_too(per_credential: Api) -> None:
    api = per_credential
    admin = api.token("admin")
    merchant = api.post("/v1/merchants", admin, {"name": "駅前書店"}, key=None).json()
    api.post(f"/v1/principals/{merchant['id']}/revocation", admin, {"reason": "盗難"}, key=None)
    for _ in range(3):
        problem(api.get("/v1/merchant/payments", merchant["api_key"]), 401, "credential_revoked")
    problem(api.get("/v1/merchant/payments", merchant["api_key"]), 429, "locked_out")


@pytest.fixture
def behind_a_proxy(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """The service behind a proxy at 10.0.0.5; a request's `X-Test-Peer` is the address it comes from."""
    parse = transport.TestClientTransport.parse_request

    def from_peer(self: transport.TestClientTransport[Any], request: Any) -> Any:
        scope = parse(self, request)
        scope["client"] = (request.headers.get("x-test-peer", "testclient"), 50000)
        return scope

    monkeypatch.setattr(transport.TestClientTransport, "parse_request", from_peer)
    yield from limited_api(database_url, tmp_path, bad_secrets_per_address=3, trusted_proxies=("10.0.0.5",))


def test_behind_a_trusted_proxy_each_client_is_counted_apart(behind_a_proxy: Api) -> None:
    api = behind_a_proxy
    admin = api.token("admin")

    def get(secret: str, peer: str, forwarded: str) -> Any:
        headers = {"Authorization": f"Bearer {secret}", "X-Test-Peer": peer, "X-Forwarded-For": forwarded}
        return api.client.get("/v1/audit/trial-balance", headers=headers)

    for n in range(3):
        problem(get(f"mtp_adm_guess{n}", "10.0.0.5", "203.0.113.1"), 401, "unauthorized")
    problem(get("mtp_adm_guess3", "10.0.0.5", "203.0.113.1"), 429, "locked_out")
    problem(get("mtp_adm_guess4", "10.0.0.5", "203.0.113.2"), 401, "unauthorized")  # another client
    for n in range(3):  # not the proxy: its header is not believed, the peer itself is counted
        problem(get(f"mtp_adm_spoof{n}", "198.51.100.7", "203.0.113.3"), 401, "unauthorized")
    problem(get("mtp_adm_spoof3", "198.51.100.7", "203.0.113.3"), 429, "locked_out")
    problem(get("mtp_adm_guess5", "10.0.0.5", "203.0.113.3"), 401, "unauthorized")
    assert get(admin, "10.0.0.5", "203.0.113.1").status_code == 200  # a locked-out client's good secret


PROXIES = trusted_networks(("10.0.0.5", "192.168.0.0/24", "::1"))


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("198.51.100.7", "203.0.113.9", "198.51.100.7"),  # not a trusted proxy: its header is ignored
        ("10.0.0.5", None, "10.0.0.5"),
        ("10.0.0.5", "203.0.113.9", "203.0.113.9"),
        ("10.0.0.5", "1.2.3.4, 203.0.113.9", "203.0.113.9"),  # a client's own header ahead: not believed
        ("10.0.0.5", "203.0.113.9, 192.168.0.20", "203.0.113.9"),  # two proxies of ours in a row
        ("::1", "2001:db8::1", "2001:db8::1"),
        ("10.0.0.5", "junk, 203.0.113.9", "203.0.113.9"),
        ("10.0.0.5", "203.0.113.9, junk", "10.0.0.5"),  # the proxy's own entry unreadable: the proxy
        ("10.0.0.5", "192.168.0.20", "192.168.0.20"),  # only proxies: the farthest one
        ("testclient", "203.0.113.9", "testclient"),
    ],
)
def test_the_client_address_is_forwarded_only_by_a_trusted_proxy(
    peer: str, forwarded: str | None, client: str
) -> None:
    assert forwarded_client(peer, forwarded, PROXIES) == client


def test_the_trusted_proxies_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MITAPO_TRUSTED_PROXIES", " 127.0.0.1, 10.89.0.0/24 ,")
    assert Settings.from_env().trusted_proxies == ("127.0.0.1", "10.89.0.0/24")
    monkeypatch.delenv("MITAPO_TRUSTED_PROXIES")
    assert Settings.from_env().trusted_proxies == ()
