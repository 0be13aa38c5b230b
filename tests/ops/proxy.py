"""A small HTTP proxy on loopback for tests: forwards plain requests and tunnels CONNECT.

It asks for Basic credentials (407 without them) and records the Bot API method of every
request it forwarded, so a test can tell which traffic went through it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from urllib.parse import urlsplit

_HOP_HEADERS = {"proxy-authorization", "proxy-connection", "connection", "keep-alive"}


class LoopbackProxy:
    """A forward proxy with credentials, on 127.0.0.1 and a free port."""

    def __init__(self, user: str, password: str) -> None:
        self.expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.methods: list[str] = []  # last path segment of each forwarded request
        self.tunnels = 0
        self.refused = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def url(self, user: str, password: str, scheme: str = "http") -> str:
        """The proxy URL with these credentials."""
        return f"{scheme}://{user}:{password}@127.0.0.1:{self.port}"

    async def __aenter__(self) -> LoopbackProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 5)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while await self._one_request(reader, writer):
                pass
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _one_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        first, *lines = head.split("\r\n")
        method, target, _ = first.split(" ", 2)
        headers = [line.split(":", 1) for line in lines if ":" in line]
        named = {name.strip().lower(): value.strip() for name, value in headers}
        body = await reader.readexactly(int(named.get("content-length", "0")))
        if named.get("proxy-authorization") != self.expected:
            self.refused += 1
            writer.write(
                b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                b'Proxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n'
            )
            await writer.drain()
            return True
        if method == "CONNECT":
            host, port = target.rsplit(":", 1)
            self.tunnels += 1
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
            return False
        parts = urlsplit(target)
        self.methods.append(parts.path.rsplit("/", 1)[-1])
        up_reader, up_writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
        kept = "".join(
            f"{name.strip()}: {value.strip()}\r\n"
            for name, value in headers
            if name.strip().lower() not in _HOP_HEADERS
        )
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        up_writer.write(
            f"{method} {path} HTTP/1.1\r\n{kept}Connection: close\r\n\r\n".encode("latin-1") + body
        )
        await up_writer.drain()
        answer = await up_reader.read()  # the upstream closes after one answer
        up_writer.close()
        writer.write(answer)
        await writer.drain()
        return b"\r\nconnection: close" not in answer.split(b"\r\n\r\n", 1)[0].lower()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


class LoopbackSocks5:
    """A SOCKS5 server with username/password authentication (RFC 1928, RFC 1929)."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user.encode(), password.encode()
        self.connections: list[tuple[str, int]] = []
        self.refused = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> LoopbackSocks5:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            _, count = await reader.readexactly(2)
            methods = await reader.readexactly(count)
            if 2 not in methods:
                writer.write(b"\x05\xff")
                return
            writer.write(b"\x05\x02")
            _, size = await reader.readexactly(2)
            user = await reader.readexactly(size)
            (size,) = await reader.readexactly(1)
            password = await reader.readexactly(size)
            if (user, password) != (self.user, self.password):
                self.refused += 1
                writer.write(b"\x01\x01")
                return
            writer.write(b"\x01\x00")
            _, command, _, kind = await reader.readexactly(4)
            if kind == 1:
                host = ".".join(str(b) for b in await reader.readexactly(4))
            elif kind == 3:
                (size,) = await reader.readexactly(1)
                host = (await reader.readexactly(size)).decode()
            else:
                writer.write(b"\x05\x08\x00\x01" + bytes(6))
                return
            port = int.from_bytes(await reader.readexactly(2), "big")
            self.connections.append((host, port))
            up_reader, up_writer = await asyncio.open_connection(host, port)
            writer.write(b"\x05\x00\x00\x01" + bytes(6))
            await writer.drain()
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
