"""Fetching one URL safely over an injected httpx.AsyncClient.

Redirects are followed here, not by httpx, so that every hop is checked against the address
policy before it is contacted, and the request goes to the very address that was checked (the
URL keeps naming the host for the Host header, TLS SNI and certificate verification), so a DNS
answer that changes between the check and the connection cannot redirect it. Through a proxy the
name is still checked here, but connecting to it is the proxy's job. Each attempt holds its
host's semaphore and reads the body in chunks, decompressing under the size limit. Network
errors, 5xx and 429 are retried with exponential backoff; other 4xx are final. One deadline
covers the whole fetch, lookups, attempts, redirects and backoff included; only the wait for a
host's turn is not counted, since a busy host is not this source's fault.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from bot.sources.compression import BodyDecoder
from bot.sources.errors import FetchFailed, excerpt, size_text
from bot.sources.safety import AddressPolicy, IPAddress, Resolver, check_url, resolve_host

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

MAX_REDIRECTS = 5
DEFAULT_RETRIES = 2
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRYABLE = frozenset({429, 500, 502, 503, 504})
_MAX_RETRY_AFTER = 60.0
USER_AGENT = "wenzhai/0.1 (+https://github.com/; news digest bot)"


@dataclass(frozen=True)
class FetchResult:
    """A fetched body (or a 304: ``not_modified`` and an empty body) and its validators."""

    url: str
    status: int
    body: bytes
    content_type: str
    etag: str | None = None
    last_modified: str | None = None
    # Seconds the server says the answer stays fresh (Cache-Control max-age), RSSHub's cache.
    max_age: int | None = None

    @property
    def not_modified(self) -> bool:
        """The server said nothing changed since the validators we sent."""
        return self.status == 304


class _Retry(Exception):
    """An attempt that failed in a way worth trying again."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.delay = delay


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return min(max(float(value), 0.0), _MAX_RETRY_AFTER)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max((when - datetime.now(UTC)).total_seconds(), 0.0), _MAX_RETRY_AFTER)


_MAX_AGE = re.compile(r"(?:^|[,\s])(?:s-maxage|max-age)\s*=\s*\"?(\d{1,9})")


def max_age(cache_control: str | None) -> int | None:
    """The freshness a Cache-Control header gives, in seconds (s-maxage or max-age), else None."""
    if not cache_control or "no-cache" in cache_control.lower():
        return None
    ages = [int(found) for found in _MAX_AGE.findall(cache_control.lower())]
    return max(ages) if ages else None


def _pin(request: httpx.Request, address: IPAddress | None) -> None:
    """Send ``request`` to ``address`` while it still names its host in Host, SNI and TLS."""
    if address is not None and not _is_literal(request.url.host):
        logical = request.url
        # The Host header was already set from the logical URL when the request was built.
        request.url = logical.copy_with(host=str(address))
        if logical.scheme == "https":
            request.extensions["sni_hostname"] = logical.raw_host.decode("ascii")
    if request.url.scheme == "https" and _is_literal(request.url.host):
        # httpx pools connections by scheme, address and port only: a kept-alive connection
        # whose certificate was verified for one name must not carry a request for another
        # name that resolves to the same address.
        request.headers["Connection"] = "close"


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class _Clock:
    """What is left of one fetch's time, and how its attempts went."""

    def __init__(self, seconds: float) -> None:
        self.total = seconds
        self.left = seconds
        self.attempts = 0
        self.answered = False  # the current attempt has its status line and headers

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Run the body under the time left (TimeoutError past it), and count what it took."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        try:
            async with asyncio.timeout(max(self.left, 0.0)):
                yield
        finally:
            self.left -= loop.time() - start

    def spend(self, seconds: float) -> None:
        """Count a pause (a backoff) against the deadline."""
        self.left -= seconds

    def tried(self) -> str:
        """'1 attempt', '3 attempts'."""
        return f"{self.attempts} attempt" + ("" if self.attempts == 1 else "s")

    def timed_out(self) -> FetchFailed:
        """The failure once the deadline has passed, saying how far the source got."""
        what = "the answer did not finish" if self.answered else "no answer"
        return FetchFailed(f"{what} within {self.total:g} s ({self.tried()})")


def _described(exc: Exception) -> str:
    text = excerpt(str(exc))
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


class Fetcher:
    """Fetches URLs with safety checks, per-host limits, a deadline, size limit and retries."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        policy: AddressPolicy,
        timeout: float,
        max_bytes: int,
        per_host: int,
        retries: int = DEFAULT_RETRIES,
        backoff: float = 0.5,
        sleep: Sleep = asyncio.sleep,
        resolver: Resolver = resolve_host,
        pin_addresses: bool = True,
    ) -> None:
        """``pin_addresses=False`` when ``client`` sends through a proxy, which then connects."""
        self._client = client
        self._policy = policy
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._per_host = per_host
        self._retries = retries
        self._backoff = backoff
        self._sleep = sleep
        self._resolver = resolver
        self._pin_addresses = pin_addresses
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET ``url`` (conditionally when validators are given); FetchFailed/RefusedSource."""
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        clock = _Clock(self._timeout)
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            address = await self._check(current, clock)
            result, location = await self._with_retries(current, headers, address, clock)
            if location is None:
                assert result is not None
                return result
            current = location
        raise FetchFailed(f"more than {MAX_REDIRECTS} redirects")

    async def _check(self, url: str, clock: _Clock) -> IPAddress | None:
        try:
            async with clock.running():
                return await check_url(url, policy=self._policy, resolver=self._resolver)
        except TimeoutError:
            host = excerpt(httpx.URL(url).host)
            raise FetchFailed(f"no answer within {clock.total:g} s (looking up {host})") from None

    async def _with_retries(
        self, url: str, headers: dict[str, str], address: IPAddress | None, clock: _Clock
    ) -> tuple[FetchResult | None, str | None]:
        attempt = 0
        while True:
            try:
                return await self._attempt(url, headers, address, clock)
            except _Retry as retry:
                if attempt >= self._retries:
                    raise FetchFailed(f"{retry} ({clock.tried()})") from None
                delay = retry.delay if retry.delay is not None else self._backoff * 2**attempt
                if delay >= clock.left:
                    raise FetchFailed(
                        f"{retry} ({clock.tried()}; no time left to retry within {clock.total:g} s)"
                    ) from None
                log.info("retrying %s in %.1fs: %s", url, delay, retry)
                attempt += 1
                clock.spend(delay)
                await self._sleep(delay)

    def _semaphore(self, url: str) -> asyncio.Semaphore:
        host = httpx.URL(url).host
        if host not in self._hosts:
            self._hosts[host] = asyncio.Semaphore(self._per_host)
        return self._hosts[host]

    async def _attempt(
        self, url: str, headers: dict[str, str], address: IPAddress | None, clock: _Clock
    ) -> tuple[FetchResult | None, str | None]:
        """One request: (result, None), or (None, next URL) for a redirect."""
        async with self._semaphore(url):
            clock.attempts += 1
            clock.answered = False
            try:
                async with clock.running():
                    return await self._request(url, headers, address, clock)
            except TimeoutError:
                raise clock.timed_out() from None
            except httpx.TimeoutException as exc:
                # The injected client's own timeout, shorter than what is left of ours.
                raise _Retry(f"no answer: {exc.__class__.__name__}") from None
            except httpx.TransportError as exc:
                raise _Retry(f"network error: {_described(exc)}") from None
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                # Malformed URLs and the like: trying again will not help.
                raise FetchFailed(_described(exc)) from None

    async def _request(
        self, url: str, headers: dict[str, str], address: IPAddress | None, clock: _Clock
    ) -> tuple[FetchResult | None, str | None]:
        """One GET of ``url``, connected to ``address`` (the checked one) when it is given."""
        request = self._client.build_request("GET", url, headers=headers)
        logical = request.url  # the URL as named, before it is pinned to the address
        if self._pin_addresses:
            _pin(request, address)
        response = await self._client.send(request, stream=True, follow_redirects=False)
        clock.answered = True
        try:
            status = response.status_code
            phrase = f"HTTP {status} {excerpt(response.reason_phrase, 40)}".strip()
            if status in _REDIRECTS:
                location = response.headers.get("location")
                if not location:
                    raise FetchFailed(f"HTTP {status} redirect without a Location")
                return None, str(logical.join(location))
            if status in _RETRYABLE:
                raise _Retry(phrase, _retry_after(response.headers.get("retry-after")))
            if status != 304 and not 200 <= status < 300:
                raise FetchFailed(phrase)
            body = b"" if status == 304 else await self._read_limited(response)
            return (
                FetchResult(
                    url=str(logical),
                    status=status,
                    body=body,
                    content_type=response.headers.get("content-type", ""),
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                    max_age=max_age(response.headers.get("cache-control")),
                ),
                None,
            )
        finally:
            await response.aclose()

    async def _read_limited(self, response: httpx.Response) -> bytes:
        """The body, decompressed; FetchFailed as soon as either size passes the limit."""
        limit = self._max_bytes
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise FetchFailed(f"too large: {size_text(int(declared))} (limit {size_text(limit)})")
        if response.is_stream_consumed:
            # A response made in memory (httpx.MockTransport) arrives read and decoded.
            if len(response.content) > limit:
                raise FetchFailed(f"too large: over the limit of {size_text(limit)}")
            return response.content
        encodings = response.headers.get_list("content-encoding", split_commas=True)
        decoder = BodyDecoder(encodings, limit)
        chunks: list[bytes] = []
        received = size = 0
        # Raw bytes, decoded here: httpx would inflate each chunk whole, past any limit.
        async for chunk in response.aiter_raw():
            received += len(chunk)
            if received > limit:
                raise FetchFailed(f"too large: over the limit of {size_text(limit)}")
            for piece in decoder.feed(chunk):
                size += len(piece)
                if size > limit:
                    raise FetchFailed(f"too large: over the limit of {size_text(limit)}")
                chunks.append(piece)
        return b"".join(chunks)
