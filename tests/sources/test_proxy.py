"""SOURCES_PROXY: fetches go through the proxy, and the address check still judges the target."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import socketserver
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pydantic import ValidationError

from bot.__main__ import main
from bot.config import Settings
from bot.sources.client import make_client, make_fetcher
from bot.sources.errors import RefusedSource
from bot.sources.safety import AddressPolicy, IPAddress
from tests.sources.conftest import NoSleep, make_settings
from tests.sources.server import LocalServer, Reply

LOOPBACK = ipaddress.ip_address("127.0.0.1")
FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


class ForwardingProxy(ThreadingHTTPServer):
    """A plain HTTP proxy: takes absolute-form requests and forwards them to 127.0.0.1."""

    daemon_threads = True

    def __init__(self) -> None:
        self.seen: list[str] = []  # the request targets, as the client wrote them
        super().__init__(("127.0.0.1", 0), _ForwardHandler)


class _ForwardHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ForwardingProxy

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.seen.append(self.path)
        target = urlsplit(self.path)
        # Whatever the name, the only server in these tests is on loopback.
        upstream = http.client.HTTPConnection("127.0.0.1", target.port or 80, timeout=5)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "proxy-connection"}
        upstream.request("GET", target.path or "/", headers=headers)
        answer = upstream.getresponse()
        body = answer.read()
        self.send_response(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        upstream.close()


class Socks5Proxy(socketserver.ThreadingTCPServer):
    """A SOCKS5 server without authentication that connects every target to 127.0.0.1."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []  # (host as sent, port)
        super().__init__(("127.0.0.1", 0), _Socks5Handler)


class _Socks5Handler(socketserver.BaseRequestHandler):
    server: Socks5Proxy

    def _exactly(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            part = self.request.recv(size - len(data))
            if not part:
                raise ConnectionError("client went away")
            data += part
        return data

    def handle(self) -> None:
        with suppress(OSError):
            _, methods = self._exactly(2)
            self._exactly(methods)
            self.request.sendall(b"\x05\x00")  # no authentication
            _, command, _, kind = self._exactly(4)
            if kind == 3:
                host = self._exactly(self._exactly(1)[0]).decode()
            elif kind == 1:
                host = socket.inet_ntoa(self._exactly(4))
            else:
                host = socket.inet_ntop(socket.AF_INET6, self._exactly(16))
            (port,) = struct.unpack("!H", self._exactly(2))
            self.server.seen.append((host, port))
            with socket.create_connection(("127.0.0.1", port)) as upstream:
                self.request.sendall(b"\x05\x00\x00\x01" + bytes(4) + b"\x00\x00")
                _pipe(self.request, upstream)


def _pipe(one: socket.socket, other: socket.socket) -> None:
    def copy(source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    back = threading.Thread(target=copy, args=(other, one), daemon=True)
    back.start()
    copy(one, other)
    back.join(5)


@contextmanager
def serving(proxy: socketserver.BaseServer) -> Iterator[int]:
    """Run ``proxy`` in a thread; yields its port."""
    threading.Thread(
        target=proxy.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    try:
        yield proxy.server_address[1]  # type: ignore[misc]
    finally:
        proxy.shutdown()
        proxy.server_close()


async def fake_resolver(host: str, port: int) -> list[IPAddress]:
    table = {"news.proxied.test": "127.0.0.1", "intranet.proxied.test": "192.168.1.20"}
    return [ipaddress.ip_address(table[host])]


async def test_feeds_are_fetched_through_an_http_proxy(
    server: LocalServer, tmp_path: Path, no_sleep: NoSleep
) -> None:
    server.route("/feed.xml", Reply(200, FEED, {"Content-Type": "application/rss+xml"}))
    proxy = ForwardingProxy()
    with serving(proxy) as port:
        settings = make_settings(tmp_path, sources_proxy=f"http://127.0.0.1:{port}")
        async with make_client(settings) as client:
            result = await make_fetcher(client, settings, sleep=no_sleep).fetch(
                server.url("/feed.xml")
            )
    assert result.body == FEED
    assert proxy.seen == [server.url("/feed.xml")]
    assert server.hits("/feed.xml") == 1


async def test_the_name_is_checked_here_and_connected_by_the_proxy(
    server: LocalServer, tmp_path: Path, no_sleep: NoSleep
) -> None:
    server.route("/feed.xml", Reply(200, FEED))
    proxy = ForwardingProxy()
    strict = AddressPolicy(allow_private=False, allowed=frozenset({LOOPBACK}))
    url = f"http://news.proxied.test:{server.port}/feed.xml"
    with serving(proxy) as port:
        settings = make_settings(tmp_path, sources_proxy=f"http://127.0.0.1:{port}")
        async with make_client(settings) as client:
            fetcher = make_fetcher(
                client, settings, sleep=no_sleep, policy=strict, resolver=fake_resolver
            )
            result = await fetcher.fetch(url)
    assert result.body == FEED
    # Not pinned to the checked address: resolving the name is the proxy's job.
    assert proxy.seen == [url]
    assert server.requests[0].headers["host"] == f"news.proxied.test:{server.port}"


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("http://10.0.0.7/feed.xml", "private address 10.0.0.7"),
        ("http://intranet.proxied.test/feed.xml", "resolves to a private address 192.168.1.20"),
        ("http://127.0.0.1:9/feed.xml", "loopback address 127.0.0.1"),
    ],
)
async def test_private_targets_are_refused_before_the_proxy_is_asked(
    tmp_path: Path, no_sleep: NoSleep, target: str, reason: str
) -> None:
    proxy = ForwardingProxy()
    with serving(proxy) as port:
        settings = make_settings(
            tmp_path, sources_proxy=f"http://127.0.0.1:{port}", allow_private_sources=False
        )
        async with make_client(settings) as client:
            fetcher = make_fetcher(client, settings, sleep=no_sleep, resolver=fake_resolver)
            with pytest.raises(RefusedSource, match=reason):
                await fetcher.fetch(target)
    assert proxy.seen == []


async def test_feeds_are_fetched_through_a_socks5_proxy(
    server: LocalServer, tmp_path: Path, no_sleep: NoSleep
) -> None:
    server.route("/feed.xml", Reply(200, FEED))
    proxy = Socks5Proxy()
    strict = AddressPolicy(allow_private=False, allowed=frozenset({LOOPBACK}))
    with serving(proxy) as port:
        settings = make_settings(tmp_path, sources_proxy=f"socks5://127.0.0.1:{port}")
        async with make_client(settings) as client:
            fetcher = make_fetcher(
                client, settings, sleep=no_sleep, policy=strict, resolver=fake_resolver
            )
            result = await fetcher.fetch(f"http://news.proxied.test:{server.port}/feed.xml")
    assert result.body == FEED
    assert proxy.seen == [("news.proxied.test", server.port)]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("127.0.0.1:8080", "no scheme"),
        ("ftp://proxy.example:21", "scheme 'ftp' is not supported"),
        ("http://user:hunter2@:8080", "no host"),
        ("socks5://user:hunter2@proxy.example:99999", "invalid port or address"),
        ("http://proxy.example:8080/path", "a proxy URL has no path"),
    ],
)
def test_a_malformed_proxy_url_is_one_sentence_at_start(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    value: str,
    problem: str,
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env file
    monkeypatch.setenv("SOURCES_PROXY", value)
    with pytest.raises(ValidationError):
        Settings(_env_file=None)  # type: ignore[call-arg]
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"error: setting SOURCES_PROXY: not a proxy URL ({problem}): use http://, https:// or "
        "socks5:// with a host and a port, for example socks5://127.0.0.1:1080\n"
    )
    assert "hunter2" not in err


def test_the_proxy_password_is_not_shown_with_the_settings(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, sources_proxy="socks5://reader:hunter2@proxy.example:1080")
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings)
