"""The fetcher against a real loopback server: statuses, retries, limits, redirects, safety."""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import httpx
import pytest

from bot.config import Settings
from bot.sources.client import make_fetcher
from bot.sources.errors import FetchFailed, RefusedSource
from bot.sources.fetch import MAX_REDIRECTS, Fetcher
from bot.sources.safety import AddressPolicy, IPAddress, address_refusal
from tests.sources.conftest import NoSleep
from tests.sources.server import LocalServer, Reply, Request, running_raw_server

LOOPBACK = ipaddress.ip_address("127.0.0.1")
# Remote text quoted in an error message is cut to this many characters.
QUOTE_LIMIT = 80


def fetcher_for(
    client: httpx.AsyncClient, settings: Settings, sleep: NoSleep, **kwargs: object
) -> Fetcher:
    return make_fetcher(client, settings, sleep=sleep, **kwargs)  # type: ignore[arg-type]


def patient(settings: Settings) -> Settings:
    """Settings whose deadline leaves room for the whole backoff (0.5 s + 1 s)."""
    return settings.model_copy(update={"fetch_timeout_seconds": 10.0})


async def test_plain_get_returns_body_and_validators(
    server: LocalServer, client: httpx.AsyncClient, settings: Settings, no_sleep: NoSleep
) -> None:
    server.route(
        "/a",
        Reply(200, b"hello", {"Content-Type": "text/plain", "ETag": '"v1"'}),
    )
    result = await fetcher_for(client, settings, no_sleep).fetch(server.url("/a"))
    assert (result.status, result.body, result.etag) == (200, b"hello", '"v1"')
    assert result.content_type == "text/plain"


async def test_404_is_final_and_not_retried(
    server: LocalServer, client: httpx.AsyncClient, settings: Settings, no_sleep: NoSleep
) -> None:
    with pytest.raises(FetchFailed, match="HTTP 404"):
        await fetcher_for(client, settings, no_sleep).fetch(server.url("/missing"))
    assert server.hits("/missing") == 1
    assert no_sleep.delays == []


async def test_500_then_success_is_retried_with_backoff(
    server: LocalServer, client: httpx.AsyncClient, settings: Settings, no_sleep: NoSleep
) -> None:
    answers = iter([Reply(500, b"oops"), Reply(503, b"busy"), Reply(200, b"fine")])
    server.route("/flaky", lambda _request: next(answers))
    result = await fetcher_for(client, patient(settings), no_sleep).fetch(server.url("/flaky"))
    assert result.body == b"fine"
    assert server.hits("/flaky") == 3
    assert no_sleep.delays == [0.5, 1.0]  # exponential


async def test_429_honours_retry_after(
    server: LocalServer, client: httpx.AsyncClient, settings: Settings, no_sleep: NoSleep
) -> None:
    answers = iter([Reply(429, b"", {"Retry-After": "7"}), Reply(200, b"ok")])
    server.route("/limited", lambda _request: next(answers))
    result = await fetcher_for(client, patient(settings), no_sleep).fetch(server.url("/limited"))
    assert result.body == b"ok"
    assert no_sleep.delays == [7.0]


async def test_persistent_500_gives_up_with_the_status(
    server: LocalServer, client: httpx.AsyncClient, settings: Settings, no_sleep: NoSleep
) -> None:
    server.route("/down", Reply(502, b"bad gateway"))
    fetcher = fetcher_for(client, patient(settings), no_sleep, retries=2)
    with pytest.raises(FetchFailed, match=r"^HTTP 502 Bad Gateway \(3 attempts\)$"):
        await fetcher.fetch(server.url("/down"))
    assert server.hits("/down") == 3


@pytest.mark.parametrize("declared", [True, False])
async def test_body_over_the_limit_is_too_large(
    server: LocalServer,
    client: httpx.AsyncClient,
    settings: Settings,
    no_sleep: NoSleep,
    declared: bool,
) -> None:
    chunk = b"x" * 65536
    # Without Content-Length the limit must be enforced while streaming.
    server.route("/huge", Reply(200, chunks=[chunk] * 8, content_length=declared))
    with pytest.raises(FetchFailed, match="too large"):
        await fetcher_for(client, settings, no_sleep).fetch(server.url("/huge"))


async def test_redirects_are_followed_up_to_the_limit(
    server: LocalServer, client: httpx.AsyncClient, settings: Settings, no_sleep: NoSleep
) -> None:
    for chain, hops in (("a", MAX_REDIRECTS), ("b", MAX_REDIRECTS + 1)):
        for n in range(hops):
            server.route(f"/{chain}{n}", Reply(302, headers={"Location": f"/{chain}{n + 1}"}))
        server.route(f"/{chain}{hops}", Reply(200, b"arrived"))
    fetcher = fetcher_for(client, settings, no_sleep)
    result = await fetcher.fetch(server.url("/a0"))
    assert result.body == b"arrived"
    assert result.url == server.url(f"/a{MAX_REDIRECTS}")
    with pytest.raises(FetchFailed, match="more than 5 redirects"):
        await fetcher.fetch(server.url("/b0"))
    assert server.hits(f"/b{MAX_REDIRECTS + 1}") == 0


class RecordingTransport(httpx.AsyncBaseTransport):
    """The real transport, remembering the URL of every request that reached it."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.urls: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def fake_resolver(host: str, port: int) -> list[IPAddress]:
    """Names used by the tests, without asking any DNS server."""
    table = {
        "metadata.internal.test": ["169.254.169.254"],
        "mixed.test": ["93.184.216.34", "10.1.2.3"],
        "intranet.test": ["fd00::1"],
    }
    if host not in table:
        raise OSError(-2, "Name or service not known")
    return [ipaddress.ip_address(a) for a in table[host]]


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("http://10.0.0.1/latest", "private address 10.0.0.1"),
        ("http://169.254.169.254/latest/meta-data/", "link-local address 169.254.169.254"),
        ("http://[::1]:8080/", "loopback address ::1"),
        ("http://[::ffff:192.168.1.1]/", "private address 192.168.1.1"),
        ("http://0.0.0.0/", "unspecified address 0.0.0.0"),
        ("http://224.0.0.1/", "multicast address 224.0.0.1"),
        ("http://metadata.internal.test/", "resolves to a link-local address 169.254.169.254"),
        ("http://mixed.test/", "resolves to a private address 10.1.2.3"),
        ("http://intranet.test/", "resolves to a private address fd00::1"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://127.0.0.1/", "only http and https"),
    ],
)
async def test_redirect_to_a_private_address_is_refused_before_any_connection(
    server: LocalServer, settings: Settings, no_sleep: NoSleep, target: str, reason: str
) -> None:
    server.route("/go", Reply(302, headers={"Location": target}))
    transport = RecordingTransport()
    # Loopback is private too: the policy refuses private addresses but lets the test reach
    # its own server, and nothing else.
    policy = AddressPolicy(allow_private=False, allowed=frozenset({LOOPBACK}))
    async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
        fetcher = fetcher_for(client, settings, no_sleep, policy=policy, resolver=fake_resolver)
        with pytest.raises(RefusedSource, match=reason.replace("[", r"\[")):
            await fetcher.fetch(server.url("/go"))
    assert transport.urls == [server.url("/go")]


async def test_private_addresses_refused_by_default(
    client: httpx.AsyncClient, settings: Settings, no_sleep: NoSleep, server: LocalServer
) -> None:
    strict = settings.model_copy(update={"allow_private_sources": False})
    with pytest.raises(RefusedSource, match="refused address: loopback address 127.0.0.1"):
        await fetcher_for(client, strict, no_sleep).fetch(server.url("/anything"))
    assert server.requests == []


def test_public_addresses_pass_and_special_ones_do_not() -> None:
    assert address_refusal(ipaddress.ip_address("93.184.216.34")) is None
    assert address_refusal(ipaddress.ip_address("2606:2800:220:1::1")) is None
    for special in ("100.64.0.1", "192.0.2.1", "fe80::1", "ff02::1", "::", "240.0.0.1"):
        assert address_refusal(ipaddress.ip_address(special)) is not None, special


async def test_conditional_get_gives_not_modified(
    server: LocalServer, client: httpx.AsyncClient, settings: Settings, no_sleep: NoSleep
) -> None:
    def conditional(request: Request) -> Reply:
        if request.headers.get("if-none-match") == '"v7"':
            return Reply(304, headers={"ETag": '"v7"'})
        return Reply(
            200, b"<rss/>", {"ETag": '"v7"', "Last-Modified": "Fri, 18 Jun 2021 00:00:00 GMT"}
        )

    server.route("/c", conditional)
    fetcher = fetcher_for(client, settings, no_sleep)
    first = await fetcher.fetch(server.url("/c"))
    again = await fetcher.fetch(
        server.url("/c"), etag=first.etag, last_modified=first.last_modified
    )
    assert not first.not_modified and first.body == b"<rss/>"
    assert again.not_modified and again.body == b""
    assert server.requests[1].headers["if-modified-since"] == "Fri, 18 Jun 2021 00:00:00 GMT"


async def test_per_host_concurrency_is_limited(
    server: LocalServer, client: httpx.AsyncClient, settings: Settings, no_sleep: NoSleep
) -> None:
    server.route("/wait", Reply(200, b"ok", delay=0.15))
    fetcher = fetcher_for(client, settings, no_sleep)  # fetch_per_host_concurrency = 2
    results = await asyncio.gather(*(fetcher.fetch(server.url("/wait")) for _ in range(6)))
    assert [r.body for r in results] == [b"ok"] * 6
    assert server.max_in_flight == 2


async def test_closed_port_is_a_network_error_after_retries(
    client: httpx.AsyncClient, settings: Settings, no_sleep: NoSleep
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port once the probe is closed.
    with pytest.raises(FetchFailed, match=r"network error: ConnectError.* \(3 attempts\)$"):
        await fetcher_for(client, patient(settings), no_sleep).fetch(f"http://127.0.0.1:{port}/")
    assert no_sleep.delays == [0.5, 1.0]


async def test_a_binary_answer_is_quoted_short_and_printable(
    client: httpx.AsyncClient, settings: Settings, no_sleep: NoSleep
) -> None:
    # A port that speaks something else: 600 bytes of binary instead of a status line.
    noise = bytes(range(256)) * 2 + b"\x00\xff" * 44
    with running_raw_server(answer=noise) as other, pytest.raises(FetchFailed) as failure:
        await fetcher_for(client, patient(settings), no_sleep).fetch(other.url())
    message = str(failure.value)
    assert message.startswith("network error: RemoteProtocolError: ")
    assert message.endswith("(3 attempts)")
    quoted = message.removeprefix("network error: RemoteProtocolError: ")
    assert len(quoted.removesuffix(" (3 attempts)")) <= QUOTE_LIMIT
    assert message.isprintable()


async def test_a_reason_phrase_is_quoted_short_and_printable(
    client: httpx.AsyncClient, settings: Settings, no_sleep: NoSleep
) -> None:
    status_line = b"HTTP/1.1 404 " + b"\xe9\xa1\xb5" * 300 + b"\x01\x02\r\n"
    answer = status_line + b"Content-Length: 0\r\nConnection: close\r\n\r\n"
    with running_raw_server(answer=answer) as other, pytest.raises(FetchFailed) as failure:
        await fetcher_for(client, settings, no_sleep).fetch(other.url())
    message = str(failure.value)
    assert message.startswith("HTTP 404 ") and len(message) <= len("HTTP 404 ") + 40
    assert message.isprintable()


@pytest.mark.parametrize(
    ("location", "start"),
    [
        ("http://" + "x" * 600 + ".test/feed", "cannot resolve xxx"),
        ("a" * 600 + "://elsewhere/", "only http and https URLs are fetched, not 'aaa"),
    ],
)
async def test_a_redirect_target_is_quoted_short(
    server: LocalServer, settings: Settings, no_sleep: NoSleep, location: str, start: str
) -> None:
    server.route("/go", Reply(302, headers={"Location": location}))
    policy = AddressPolicy(allow_private=False, allowed=frozenset({LOOPBACK}))
    async with httpx.AsyncClient(trust_env=False) as client:
        fetcher = fetcher_for(client, settings, no_sleep, policy=policy, resolver=fake_resolver)
        with pytest.raises(RefusedSource) as refusal:
            await fetcher.fetch(server.url("/go"))
    assert str(refusal.value).startswith(start)
    assert len(str(refusal.value)) < 200
