"""A real HTTP server on 127.0.0.1 for source tests: routes are plain functions of the request."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """What a route answers: after ``delay``, the head, then ``chunks`` one by one, ``pause``
    before each (or ``body`` at once)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunks: list[bytes] | None = None
    content_length: bool = True
    pause: float = 0.0


Route = Callable[["Request"], Reply]


@dataclass(frozen=True)
class Request:
    """A request as routes and tests see it."""

    path: str
    headers: dict[str, str]
    peer: int = 0  # the client's port: one a connection


class LocalServer:
    """Routes by path, records every request, counts how many run at once."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """The full URL of a path on this server."""
        return self.base + path

    def route(self, path: str, reply: Reply | Route) -> None:
        """Answer ``path`` with a fixed reply or a function of the request."""
        self.routes[path] = reply if callable(reply) else (lambda _request, r=reply: r)

    def hits(self, path: str) -> int:
        """How many requests asked for ``path``."""
        return sum(1 for r in self.requests if r.path == path)

    def reset(self) -> None:
        """Forget routes and recorded requests."""
        self.routes.clear()
        self.requests.clear()
        self.max_in_flight = 0

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                request = Request(self.path, headers, peer=self.client_address[1])
                with server._lock:
                    server.requests.append(request)
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    route = server.routes.get(self.path.split("?", 1)[0])
                    reply = route(request) if route else Reply(404, b"not found")
                    self._send(reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _send(self, reply: Reply) -> None:
                if reply.delay and server._stop.wait(reply.delay):
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.chunks is None:
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                    return
                if reply.content_length:
                    total = sum(len(c) for c in reply.chunks)
                    self.send_header("Content-Length", str(total))
                else:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                for chunk in reply.chunks:
                    if reply.pause and server._stop.wait(reply.pause):
                        return
                    self.wfile.write(chunk)
                    self.wfile.flush()

        return Handler

    def start(self) -> None:
        """Serve in a daemon thread."""
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        """Stop serving and release slow handlers."""
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()


@contextmanager
def running_server() -> Iterator[LocalServer]:
    """A started LocalServer, stopped afterwards."""
    server = LocalServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


class RawServer:
    """A TCP port on 127.0.0.1 that is not an HTTP server.

    With ``answer=None`` it accepts connections and never says anything; otherwise it sends
    ``answer`` to each one (after reading what the client sent first) and closes it.
    """

    def __init__(self, answer: bytes | None = None) -> None:
        self.answer = answer
        self.connections = 0
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._held: list[socket.socket] = []

    def url(self, path: str = "/") -> str:
        """An http URL on this port."""
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            if self.answer is None:
                self._held.append(conn)  # kept open, silent, until stop()
                continue
            with conn:
                conn.settimeout(1.0)
                with suppress(OSError):
                    conn.recv(65536)
                    conn.sendall(self.answer)

    def start(self) -> None:
        """Accept in a daemon thread."""
        threading.Thread(target=self._serve, daemon=True).start()

    def stop(self) -> None:
        """Close the port and every held connection."""
        self._stop.set()
        self._listener.close()
        for conn in self._held:
            conn.close()


@contextmanager
def running_raw_server(answer: bytes | None = None) -> Iterator[RawServer]:
    """A started RawServer, stopped afterwards."""
    raw = RawServer(answer)
    raw.start()
    try:
        yield raw
    finally:
        raw.stop()
