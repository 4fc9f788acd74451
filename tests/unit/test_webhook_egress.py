"""Which addresses a webhook may go to, in every spelling: the table behind `url_not_allowed`."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from mitapo.engine.errors import DomainError
from mitapo.payments import egress

STRICT, DEV = egress.STRICT, egress.Policy(allow_insecure=True)

REFUSED_HOSTS = [
    "127.0.0.1",
    "127.1",
    "2130706433",  # 127.0.0.1 as one integer
    "0x7f000001",
    "0x7f.0.0.1",
    "0177.0.0.1",
    "0",
    "0.0.0.0",
    "[::1]",
    "[::]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::ffff:10.0.0.1]",
    "[::127.0.0.1]",
    "[64:ff9b::a00:1]",  # NAT64 of 10.0.0.1
    "[2002:a00:1::]",  # 6to4 of 10.0.0.1
    "169.254.169.254",
    "[fe80::1]",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",
    "[fc00::1]",
    "[fd12:3456::1]",
    "[fec0::1]",
    "224.0.0.1",
    "239.255.255.250",
    "[ff02::1]",
    "255.255.255.255",
    "localhost",
]


def vet(url: str, policy: egress.Policy) -> None:
    asyncio.run(egress.vet(url, policy))


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_every_spelling_of_a_private_address_is_refused(host: str) -> None:
    for scheme in ("https", "http"):
        with pytest.raises(DomainError) as refused:
            vet(f"{scheme}://{host}:8443/hooks", STRICT)
        assert refused.value.code == "url_not_allowed"


@pytest.mark.parametrize("host", [h for h in REFUSED_HOSTS if h not in {"127.0.0.1", "127.1", "localhost"}])
def test_the_development_setting_allows_loopback_only(host: str) -> None:
    loopback = {"2130706433", "0x7f000001", "0x7f.0.0.1", "0177.0.0.1", "[::1]"}
    if host in loopback:
        vet(f"http://{host}/hooks", DEV)
        return
    with pytest.raises(DomainError):
        vet(f"http://{host}/hooks", DEV)


def test_http_and_loopback_only_in_development() -> None:
    vet("http://127.0.0.1:9/hooks", DEV)
    vet("http://localhost:9/hooks", DEV)
    with pytest.raises(DomainError):
        vet("http://93.184.215.14/hooks", STRICT)
    vet("https://93.184.215.14/hooks", STRICT)
    vet("https://[2606:4700:4700::1111]/hooks", STRICT)


def test_tricks_in_the_url_are_refused() -> None:
    for url in (
        "https://shop.example@127.0.0.1/",
        "https://user:pw@93.184.215.14/",
        "https://[fe80::1%25eth0]/",
        "https:///nohost",
        "https://93.184.215.14:99999/",
        "ftp://93.184.215.14/",
    ):
        with pytest.raises(DomainError):
            vet(url, STRICT)


def test_a_name_is_refused_when_any_of_its_addresses_is_private(monkeypatch: pytest.MonkeyPatch) -> None:
    async def resolve(host: str, port: int) -> list[egress.Address]:
        return [ipaddress.ip_address("93.184.215.14"), ipaddress.ip_address("10.1.2.3")]

    monkeypatch.setattr(egress, "resolve", resolve)
    with pytest.raises(DomainError):
        vet("https://mixed.shop.example/hooks", STRICT)
