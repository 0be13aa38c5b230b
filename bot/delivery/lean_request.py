"""A lean HTTP/1.1 transport for python-telegram-bot, for sending many small messages.

PTB lets the transport be replaced (``telegram.request.BaseRequest``): PTB still builds the
request and maps every error answer to its ``telegram.error`` exceptions (``post`` and its
wrapper are PTB's own); only ``do_request`` — send the bytes, return status and body — is here.
httpx's connection pool costs about a millisecond of CPU per request (it inspects every idle
connection's socket on each request), which was half of the push's time per message; this
keeps idle keep-alive connections in a stack and reuses them as they are.

Only what the push needs: urlencoded POSTs and GETs without files, Content-Length or chunked
answers, http and https (certificates verified), no proxy. A failure on the wire raises
``NetworkError`` (``TimedOut`` for timeouts), as PTB's httpx transport does, and the connection
is dropped; nothing is retried here (the sender decides, see bot.delivery.sender).
"""

from __future__ import annotations

import asyncio
import os
import ssl
from collections.abc import Awaitable
from typing import TypeVar
from urllib.parse import urlsplit

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

T = TypeVar("T")
_MAX_HEADER_BYTES = 64 * 1024
_PROXY_VARIABLES = (
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "ALL_PROXY",
    "https_proxy",
    "http_proxy",
    "all_proxy",
)


def push_request(concurrency: int, proxy: str | None = None) -> BaseRequest:
    """The transport for a pushing Bot: LeanRequest, or PTB's httpx one behind a proxy
    (TELEGRAM_PROXY given as ``proxy``, or the environment's proxy variables)."""
    if proxy:
        from bot.connect import BotApiRequest

        return BotApiRequest(connection_pool_size=concurrency + 8, proxy=proxy)
    if any(os.environ.get(name) or os.environ.get(name.lower()) for name in _PROXY_VARIABLES):
        return HTTPXRequest(connection_pool_size=concurrency + 8)  # httpx honours the proxy
    return LeanRequest(pool_size=concurrency + 8)


class _Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @property
    def usable(self) -> bool:
        return not (self.reader.at_eof() or self.writer.is_closing())

    def close(self) -> None:
        self.writer.close()


class LeanRequest(BaseRequest):
    """``BaseRequest`` over asyncio streams with a small keep-alive pool."""

    def __init__(
        self,
        *,
        pool_size: int = 64,
        connect_timeout: float = 5.0,
        read_timeout: float = 5.0,
        write_timeout: float = 5.0,
        pool_timeout: float = 5.0,
    ) -> None:
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(pool_size)
        self._timeouts = {
            "connect": connect_timeout,
            "read": read_timeout,
            "write": write_timeout,
            "pool": pool_timeout,
        }
        self._ssl: ssl.SSLContext | None = None
        self._closed = False

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout in seconds."""
        return self._timeouts["read"]

    async def initialize(self) -> None:
        """Nothing to set up: connections open on demand."""
        self._closed = False

    async def shutdown(self) -> None:
        """Close the idle connections (and each busy one when its answer has come)."""
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def _timeout(self, name: str, given: object) -> float | None:
        if given is BaseRequest.DEFAULT_NONE or not isinstance(given, int | float | None):
            return self._timeouts[name]
        return given

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; returns the status code and the body."""
        if request_data is not None and request_data.contains_files:
            raise NetworkError("LeanRequest cannot upload files")
        parts = urlsplit(url)
        https = parts.scheme == "https"
        host = parts.hostname or ""
        port = parts.port or (443 if https else 80)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        body = b"" if request_data is None else request_data.url_encoded_parameters().encode()
        head = (
            f"{method} {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            "Accept: application/json\r\nConnection: keep-alive\r\n"
        )
        if method == "POST":
            head += (
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\n"
            )
        message = (head + "\r\n").encode("latin-1") + body
        try:
            await self._within(self._slots.acquire(), self._timeout("pool", pool_timeout), "pool")
        except TimedOut as exc:
            raise TimedOut("Pool timeout: all connections are busy") from exc
        try:
            conn = await self._connection(host, port, https, connect_timeout)
            try:
                conn.writer.write(message)
                await self._within(
                    conn.writer.drain(), self._timeout("write", write_timeout), "write"
                )
                status, payload, keep = await self._within(
                    _read_response(conn.reader), self._timeout("read", read_timeout), "read"
                )
            except BaseException:
                conn.close()
                raise
            if keep and conn.usable and not self._closed:
                self._idle.append(conn)
            else:
                conn.close()
            return status, payload
        finally:
            self._slots.release()

    async def _connection(
        self, host: str, port: int, https: bool, connect_timeout: object
    ) -> _Connection:
        while self._idle:
            conn = self._idle.pop()
            if conn.usable:
                return conn
            conn.close()
        context = None
        if https:
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            context = self._ssl
        reader, writer = await self._within(
            asyncio.open_connection(host, port, ssl=context),
            self._timeout("connect", connect_timeout),
            "connect",
        )
        return _Connection(reader, writer)

    @staticmethod
    async def _within(step: Awaitable[T], seconds: float | None, what: str) -> T:
        try:
            async with asyncio.timeout(seconds):
                return await step
        except TimeoutError as exc:
            raise TimedOut(f"{what} timed out") from exc
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            raise NetworkError(f"{what} failed: {exc!r}") from exc


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body and whether the connection may be reused."""
    raw = await reader.readuntil(b"\r\n\r\n")
    if len(raw) > _MAX_HEADER_BYTES:
        raise NetworkError("answer headers too long")
    lines = raw.decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    try:
        status = int(rest.split(" ", 1)[0])
    except ValueError as exc:
        raise NetworkError(f"not an HTTP answer: {lines[0][:80]!r}") from exc
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip(), 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass  # trailers
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        return status, b"".join(chunks), keep
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"])), keep
    if status in (204, 304) or 100 <= status < 200:
        return status, b"", keep
    return status, await reader.read(), False  # until the server closes
