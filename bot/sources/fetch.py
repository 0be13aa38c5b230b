"""Fetching one URL safely over an injected httpx.AsyncClient.

Redirects are followed here, not by httpx, so that every hop is checked against the address
policy before it is contacted, and the request goes to the very address that was checked (the
URL keeps naming the host for the Host header, TLS SNI and certificate verification), so a DNS
answer that changes between the check and the connection cannot redirect it. Each attempt holds
its host's semaphore, runs under one overall timeout and reads the body in chunks, stopping at
the size limit. Network errors, 5xx and 429 are retried with exponential backoff; other 4xx are
final.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from bot.sources.errors import FetchFailed
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


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size} bytes"


class Fetcher:
    """Fetches URLs with safety checks, per-host limits, timeouts, size limit and retries."""

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
    ) -> None:
        self._client = client
        self._policy = policy
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._per_host = per_host
        self._retries = retries
        self._backoff = backoff
        self._sleep = sleep
        self._resolver = resolver
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
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            address = await check_url(current, policy=self._policy, resolver=self._resolver)
            result, location = await self._with_retries(current, headers, address)
            if location is None:
                assert result is not None
                return result
            current = location
        raise FetchFailed(f"more than {MAX_REDIRECTS} redirects")

    async def _with_retries(
        self, url: str, headers: dict[str, str], address: IPAddress | None
    ) -> tuple[FetchResult | None, str | None]:
        attempt = 0
        while True:
            try:
                return await self._attempt(url, headers, address)
            except _Retry as retry:
                if attempt >= self._retries:
                    raise FetchFailed(str(retry)) from None
                delay = retry.delay if retry.delay is not None else self._backoff * 2**attempt
                log.info("retrying %s in %.1fs: %s", url, delay, retry)
                attempt += 1
                await self._sleep(delay)

    def _semaphore(self, url: str) -> asyncio.Semaphore:
        host = httpx.URL(url).host
        if host not in self._hosts:
            self._hosts[host] = asyncio.Semaphore(self._per_host)
        return self._hosts[host]

    async def _attempt(
        self, url: str, headers: dict[str, str], address: IPAddress | None
    ) -> tuple[FetchResult | None, str | None]:
        """One request: (result, None), or (None, next URL) for a redirect."""
        async with self._semaphore(url):
            try:
                async with asyncio.timeout(self._timeout):
                    return await self._request(url, headers, address)
            except TimeoutError:
                raise _Retry(f"timeout after {self._timeout:g}s") from None
            except httpx.TimeoutException:
                raise _Retry(f"timeout after {self._timeout:g}s") from None
            except httpx.TransportError as exc:
                raise _Retry(f"network error: {exc.__class__.__name__}: {exc}") from None
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                # Undecodable compressed bodies, malformed URLs: trying again will not help.
                raise FetchFailed(f"{exc.__class__.__name__}: {exc}") from None

    async def _request(
        self, url: str, headers: dict[str, str], address: IPAddress | None
    ) -> tuple[FetchResult | None, str | None]:
        """One GET of ``url``, connected to ``address`` (the checked one) when it is given."""
        request = self._client.build_request("GET", url, headers=headers)
        logical = request.url  # the URL as named, before it is pinned to the address
        _pin(request, address)
        response = await self._client.send(request, stream=True, follow_redirects=False)
        try:
            status = response.status_code
            if status in _REDIRECTS:
                location = response.headers.get("location")
                if not location:
                    raise FetchFailed(f"HTTP {status} redirect without a Location")
                return None, str(logical.join(location))
            if status in _RETRYABLE:
                delay = _retry_after(response.headers.get("retry-after"))
                raise _Retry(f"HTTP {status} {response.reason_phrase}".strip(), delay)
            if status != 304 and not 200 <= status < 300:
                raise FetchFailed(f"HTTP {status} {response.reason_phrase}".strip())
            body = b"" if status == 304 else await self._read_limited(response)
            return (
                FetchResult(
                    url=str(logical),
                    status=status,
                    body=body,
                    content_type=response.headers.get("content-type", ""),
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                ),
                None,
            )
        finally:
            await response.aclose()

    async def _read_limited(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self._max_bytes:
            raise FetchFailed(
                f"too large: {_megabytes(int(declared))} (limit {_megabytes(self._max_bytes)})"
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self._max_bytes:
                raise FetchFailed(f"too large: over the limit of {_megabytes(self._max_bytes)}")
            chunks.append(chunk)
        return b"".join(chunks)
