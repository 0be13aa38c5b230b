"""Pages of one host reuse a kept-alive connection, a name pinned to its checked address too
(a new connection a page was half the main process's CPU in bench/ingest.py)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from bot.sources.client import make_client, make_fetcher
from bot.sources.safety import AddressPolicy, IPAddress
from tests.sources.conftest import NoSleep, make_settings
from tests.sources.server import LocalServer, Reply


async def _loopback(host: str, port: int) -> list[IPAddress]:
    return [ipaddress.ip_address("127.0.0.1")]


async def test_pages_of_one_host_share_one_connection(
    server: LocalServer, tmp_path: Path, no_sleep: NoSleep
) -> None:
    for n in range(5):
        server.route(
            f"/{n}.html", Reply(200, f"<p>{n}</p>".encode(), {"Content-Type": "text/html"})
        )
    settings = make_settings(tmp_path)
    policy = AddressPolicy(
        allow_private=False, allowed=frozenset({ipaddress.ip_address("127.0.0.1")})
    )
    async with make_client(settings) as client:
        fetcher = make_fetcher(client, settings, sleep=no_sleep, policy=policy, resolver=_loopback)
        for host in ("127.0.0.1", "news.keepalive.test"):  # as given, and pinned from a name
            for n in range(5):
                fetched = await fetcher.fetch(f"http://{host}:{server.port}/{n}.html")
                assert fetched.body == f"<p>{n}</p>".encode()
    assert len(server.requests) == 10
    assert len({request.peer for request in server.requests}) == 1
