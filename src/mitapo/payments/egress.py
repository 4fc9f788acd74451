"""Where the service may send a shop's webhook, or a resident's push reminder: only to a public address,
checked when the URL is registered (a webhook, a push subscription) and again on every connection (a push
reminder: again before each send).

A shop chooses the URL, so without this the service is a proxy into its own network: the database port, the
cloud's metadata address, the admin pages of a router. Every spelling of a host counts (`2130706433`,
`0x7f.1`, `0177.0.0.1`, `[::ffff:127.0.0.1]`, a name that resolves to one of them), so the host is turned into
addresses the way the operating system would connect to it, and every one of those addresses must be public.

At delivery the name is resolved once more (it may point elsewhere by now), every address checked, and the
connection made to the checked address itself, not to the name, so no second lookup can swap it; the URL's
host still goes out as the Host header and the TLS server name. The connecting `GuardedBackend` is the one
door to the network the delivery has, and nothing follows a redirect.

`Policy(allow_insecure=True)` (the setting `webhook_allow_insecure`, off by default) also allows `http` and
loopback addresses, for a developer's machine and the project's own tests; never private networks.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import typing
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore

from mitapo.engine.catalog import Code
from mitapo.engine.errors import DomainError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UrlNotAllowed(DomainError):
    """A webhook's or a push endpoint's URL (or the address it leads to) the service will not send to."""

    def __init__(self, detail: str) -> None:
        super().__init__(Code.URL_NOT_ALLOWED, detail)


@dataclass(frozen=True, slots=True)
class Policy:
    allow_insecure: bool = False


STRICT = Policy()


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str
    host: str
    port: int


def target_of(url: str, policy: Policy) -> Target:
    """The URL's scheme, host and port, or the refusal of a URL no policy sends to."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UrlNotAllowed(f"not a URL: {error}") from None
    allowed = ("https", "http") if policy.allow_insecure else ("https",)
    if parts.scheme not in allowed:
        raise UrlNotAllowed(f"the scheme must be {' or '.join(allowed)}")
    if parts.username is not None or parts.password is not None:
        raise UrlNotAllowed("the URL carries no user name or password")
    host = parts.hostname
    if not host or "%" in host:
        raise UrlNotAllowed("the URL names no usable host")
    return Target(parts.scheme, host, port or (443 if parts.scheme == "https" else 80))


def literal(host: str) -> Address | None:
    """The address a host names by itself, in any spelling the system's resolver takes for one."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:  # the legacy forms: 2130706433, 0x7f000001, 0177.0.0.1, 127.1
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def embedded(ip: Address) -> list[Address]:
    """The address and every IPv4 address an IPv6 one carries inside it (mapped, 6to4, Teredo, NAT64)."""
    found: list[Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            found.append(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            found.append(ip.sixtofour)
        if ip.teredo is not None:
            found.extend(ip.teredo)
        if ip in _NAT64:
            found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _public(ip: Address, policy: Policy) -> bool:
    if policy.allow_insecure and ip.is_loopback:
        return True
    private = ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
    other = ip.is_multicast or ip.is_unspecified
    site_local = isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local
    return ip.is_global and not (private or other or site_local)


def permitted(ip: Address, policy: Policy) -> bool:
    """Whether the service may connect to `ip`: public, and so is every address it carries."""
    return all(_public(inner, policy) for inner in embedded(ip))


async def resolve(host: str, port: int) -> list[Address]:
    """The addresses the system would connect to for `host` (tests replace this to play a DNS server)."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise UrlNotAllowed(f"{host} does not resolve: {error}") from None
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


async def addresses(host: str, port: int, policy: Policy) -> list[Address]:
    """Where `host` leads, each address checked; refused when any one of them is not public."""
    fixed = literal(host)
    found = [fixed] if fixed is not None else await resolve(host, port)
    if not found:
        raise UrlNotAllowed(f"{host} does not resolve")
    for ip in found:
        if not permitted(ip, policy):
            raise UrlNotAllowed(f"{host} leads to {ip}, which is not a public address")
    return found


async def vet(url: str, policy: Policy) -> None:
    """Refuse, with `url_not_allowed`, a URL whose host is or resolves to an address not to be sent to."""
    target = target_of(url, policy)
    await addresses(target.host, target.port, policy)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the check inside: resolve once, check, connect to that very address,
    and check the address actually connected to."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        found = await addresses(host, port, self.policy)
        stream = await self.inner.connect_tcp(str(found[0]), port, timeout, local_address, socket_options)
        peer = stream.get_extra_info("server_addr")
        if peer is None or not permitted(ipaddress.ip_address(str(peer[0]).split("%")[0]), self.policy):
            await stream.aclose()
            raise UrlNotAllowed(f"{host} connected to {peer}, which is not a public address")
        return stream

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise UrlNotAllowed("webhooks go over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
