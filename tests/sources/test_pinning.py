"""DNS rebinding: every request goes to the address that was checked, never to a later answer."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

import httpx
import pytest

from bot.config import Settings
from bot.sources.client import make_fetcher
from bot.sources.errors import RefusedSource
from bot.sources.fetch import Fetcher
from bot.sources.safety import AddressPolicy, IPAddress, Resolver, check_url
from tests.sources.conftest import NoSleep
from tests.sources.server import LocalServer, Reply

LOOPBACK = ipaddress.ip_address("127.0.0.1")
# Loopback stands in for a public address: the strict policy refuses everything private except
# the tests' own server, so a rebound answer (10.0.0.1) would be refused if it were ever checked.
STRICT = AddressPolicy(allow_private=False, allowed=frozenset({LOOPBACK}))


@dataclass
class RebindingResolver:
    """Answers ``first`` on a name's first lookup and ``later`` on every lookup after it."""

    first: str
    later: str
    calls: list[str] = field(default_factory=list)

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        address = self.later if host in self.calls else self.first
        self.calls.append(host)
        return [ipaddress.ip_address(address)]


@dataclass(frozen=True)
class Sent:
    """What reached the transport: where it connects, and what it says."""

    url: str
    host_header: str
    connection: str
    sni: object


class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes requests to ``inner`` (the real transport by default), recording each one."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.inner = inner or httpx.AsyncHTTPTransport()
        self.sent: list[Sent] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(
            Sent(
                url=str(request.url),
                host_header=request.headers["host"],
                connection=request.headers.get("connection", ""),
                sni=request.extensions.get("sni_hostname"),
            )
        )
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def fetcher(
    client: httpx.AsyncClient,
    settings: Settings,
    no_sleep: NoSleep,
    resolver: Resolver,
    policy: AddressPolicy = STRICT,
) -> Fetcher:
    return make_fetcher(client, settings, sleep=no_sleep, policy=policy, resolver=resolver)


def canned(_request: httpx.Request) -> httpx.Response:
    """A reply made in memory, so requests to public addresses never leave the process."""
    return httpx.Response(200, content=b"canned", headers={"Content-Type": "text/plain"})


async def test_request_goes_to_the_checked_address_with_the_original_host(
    server: LocalServer, settings: Settings, no_sleep: NoSleep
) -> None:
    server.route("/page", Reply(200, b"pinned", {"Content-Type": "text/plain"}))
    resolver = RebindingResolver(first="127.0.0.1", later="10.0.0.1")
    transport = RecordingTransport()
    name = f"news.rebind.test:{server.port}"
    async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
        result = await fetcher(client, settings, no_sleep, resolver).fetch(f"http://{name}/page")
    assert result.body == b"pinned"
    assert result.url == f"http://{name}/page"  # callers see the URL they asked for
    assert resolver.calls == ["news.rebind.test"]  # checked once; no second lookup decides
    assert transport.sent == [Sent(server.url("/page"), name, "keep-alive", None)]
    assert server.requests[0].headers["host"] == name  # the server saw the original name


async def test_retries_stay_on_the_checked_address(
    server: LocalServer, settings: Settings, no_sleep: NoSleep
) -> None:
    answers = iter([Reply(503, b"busy"), Reply(200, b"fine")])
    server.route("/flaky", lambda _request: next(answers))
    resolver = RebindingResolver(first="127.0.0.1", later="10.0.0.1")
    transport = RecordingTransport()
    async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
        result = await fetcher(client, settings, no_sleep, resolver).fetch(
            f"http://flaky.rebind.test:{server.port}/flaky"
        )
    assert result.body == b"fine"
    assert resolver.calls == ["flaky.rebind.test"]
    assert [s.url for s in transport.sent] == [server.url("/flaky")] * 2


async def test_each_redirect_hop_is_resolved_checked_and_pinned(
    server: LocalServer, settings: Settings, no_sleep: NoSleep
) -> None:
    second = f"b.rebind.test:{server.port}"
    server.route("/start", Reply(302, headers={"Location": f"http://{second}/end"}))
    server.route("/end", Reply(200, b"arrived"))
    resolver = RebindingResolver(first="127.0.0.1", later="10.0.0.1")
    transport = RecordingTransport()
    first = f"a.rebind.test:{server.port}"
    async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
        result = await fetcher(client, settings, no_sleep, resolver).fetch(f"http://{first}/start")
    assert (result.body, result.url) == (b"arrived", f"http://{second}/end")
    assert resolver.calls == ["a.rebind.test", "b.rebind.test"]
    assert [(s.url, s.host_header) for s in transport.sent] == [
        (server.url("/start"), first),
        (server.url("/end"), second),
    ]
    assert [r.headers["host"] for r in server.requests] == [first, second]


async def test_a_name_rebound_before_the_next_hop_is_refused_there(
    server: LocalServer, settings: Settings, no_sleep: NoSleep
) -> None:
    # A relative redirect names the same host again; its new answer is private, so the hop is
    # refused instead of being sent along a connection resolved by someone else.
    server.route("/hop", Reply(302, headers={"Location": "/inside"}))
    resolver = RebindingResolver(first="127.0.0.1", later="10.0.0.1")
    transport = RecordingTransport()
    async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
        with pytest.raises(RefusedSource, match="rebind.test resolves to a private address"):
            await fetcher(client, settings, no_sleep, resolver).fetch(
                f"http://same.rebind.test:{server.port}/hop"
            )
    assert [s.url for s in transport.sent] == [server.url("/hop")]
    assert server.hits("/inside") == 0


@pytest.mark.parametrize(
    ("url", "answer", "connects_to", "host_header"),
    [
        ("https://secure.rebind.test/feed", "93.184.216.34", "https://93.184.216.34/feed", None),
        (
            "https://v6.rebind.test:8443/feed?x=1",
            "2606:2800:220:1::1",
            "https://[2606:2800:220:1::1]:8443/feed?x=1",
            "v6.rebind.test:8443",
        ),
    ],
)
async def test_https_keeps_the_name_for_sni_and_certificate(
    settings: Settings,
    no_sleep: NoSleep,
    url: str,
    answer: str,
    connects_to: str,
    host_header: str | None,
) -> None:
    resolver = RebindingResolver(first=answer, later="127.0.0.1")
    transport = RecordingTransport(httpx.MockTransport(canned))
    strict = AddressPolicy(allow_private=False)
    async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
        result = await fetcher(client, settings, no_sleep, resolver, strict).fetch(url)
    host = httpx.URL(url).host
    assert (result.body, result.url) == (b"canned", url)
    # httpcore verifies the certificate against the SNI name; the pool must not hand a
    # connection verified for one name to another name on the same address.
    assert transport.sent == [Sent(connects_to, host_header or host, "close", host)]


async def test_a_plain_http_address_url_is_sent_unchanged(
    settings: Settings, no_sleep: NoSleep
) -> None:
    resolver = RebindingResolver(first="10.9.9.9", later="10.9.9.9")
    transport = RecordingTransport(httpx.MockTransport(canned))
    strict = AddressPolicy(allow_private=False)
    async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
        await fetcher(client, settings, no_sleep, resolver, strict).fetch(
            "http://[2606:2800:220:1::1]:8080/x"
        )
    assert resolver.calls == []
    assert transport.sent == [
        Sent("http://[2606:2800:220:1::1]:8080/x", "[2606:2800:220:1::1]:8080", "keep-alive", None)
    ]


async def test_allow_private_sources_leaves_names_to_the_connection(
    settings: Settings, no_sleep: NoSleep
) -> None:
    async def never(host: str, port: int) -> list[IPAddress]:
        raise AssertionError(f"nothing to check, yet {host} was resolved")

    transport = RecordingTransport(httpx.MockTransport(canned))
    assert settings.allow_private_sources
    async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
        await make_fetcher(client, settings, sleep=no_sleep, resolver=never).fetch(
            "http://intranet.example/x"
        )
    assert transport.sent == [
        Sent("http://intranet.example/x", "intranet.example", "keep-alive", None)
    ]


async def test_check_url_returns_the_address_it_checked() -> None:
    async def two(host: str, port: int) -> list[IPAddress]:
        return [ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("2606:2800:220:1::1")]

    strict = AddressPolicy(allow_private=False)
    pinned = await check_url("https://example.test/", policy=strict, resolver=two)
    assert pinned == ipaddress.ip_address("93.184.216.34")
    literal = await check_url("http://[2606:2800:220:1::1]/", policy=strict, resolver=two)
    assert literal == ipaddress.ip_address("2606:2800:220:1::1")
    lenient = AddressPolicy(allow_private=True)
    assert await check_url("http://intranet.test/", policy=lenient, resolver=two) is None
