"""Which URLs may be fetched: http(s) only, and never an internal address unless allowed.

The host is resolved before each request (and again after each redirect), and every address it
resolves to must be public; one private answer refuses the URL, so a name cannot smuggle an
internal address behind a public one. The check hands back the address it judged, and the
fetcher connects to exactly that address, so a DNS answer that changes afterwards (DNS
rebinding) cannot redirect the connection.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.sources.errors import RefusedSource, excerpt

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]

ALLOWED_SCHEMES = frozenset({"http", "https"})


async def resolve_host(host: str, port: int) -> list[IPAddress]:
    """Every address the system resolver gives for ``host``."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # IPv6 answers may carry a zone ("fe80::1%eth0"), which ip_address does not take.
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def address_refusal(address: IPAddress) -> str | None:
    """Why ``address`` must not be contacted from the bot, or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address_refusal(address.ipv4_mapped)
    checks = (
        ("loopback", address.is_loopback),
        ("unspecified", address.is_unspecified),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("not globally routable", not address.is_global),
    )
    for name, hit in checks:
        if hit:
            return f"{name} address {address}"
    return None


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses may be contacted; ``allowed`` lists exceptions to the private rule."""

    allow_private: bool = False
    allowed: frozenset[IPAddress] = field(default_factory=frozenset)

    def refusal(self, address: IPAddress) -> str | None:
        """Why ``address`` is refused under this policy, or None."""
        if self.allow_private or address in self.allowed:
            return None
        return address_refusal(address)


def split_target(url: str) -> tuple[str, int]:
    """The host and port a URL points at; RefusedSource when it is not plain http(s)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RefusedSource(f"invalid URL: {excerpt(str(exc))}") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        shown = excerpt(scheme, 20) if scheme else "no scheme"
        raise RefusedSource(f"only http and https URLs are fetched, not {shown!r}")
    if not parts.hostname:
        raise RefusedSource("the URL has no host")
    if parts.username or parts.password:
        raise RefusedSource("URLs with a user name or password are refused")
    return parts.hostname, port or (443 if scheme == "https" else 80)


async def _resolve(host: str, port: int, resolver: Resolver) -> list[IPAddress]:
    try:
        addresses = await resolver(host, port)
    except OSError as exc:
        reason = excerpt(str(exc.strerror or exc))
        raise RefusedSource(f"cannot resolve {excerpt(host)}: {reason}") from None
    if not addresses:
        raise RefusedSource(f"cannot resolve {excerpt(host)}")
    return addresses


async def check_url(
    url: str, *, policy: AddressPolicy, resolver: Resolver = resolve_host
) -> IPAddress | None:
    """Refuse ``url`` unless it is http(s) and all its host's addresses are allowed; pin one.

    Returns the checked address to connect to (the first answer, in the resolver's order of
    preference), or None when the policy allows private addresses and the host is a name: then
    there is nothing to refuse and the connection may resolve the name itself.
    """
    host, port = split_target(url)
    try:
        addresses: list[IPAddress] = [ipaddress.ip_address(host)]
    except ValueError:
        if policy.allow_private:
            return None
        addresses = await _resolve(host, port, resolver)
    for address in addresses:
        reason = policy.refusal(address)
        if reason:
            where = "" if host.strip("[]") == str(address) else f"{excerpt(host)} resolves to a "
            raise RefusedSource(f"refused address: {where}{reason}")
    return addresses[0]
