"""The page server of bench/ingest.py: a folder's files on 127.0.0.1, one thread a connection.

``--protocol HTTP/1.1`` (the default) keeps each connection open for the next request, as news
sites do (every answer carries its Content-Length); ``HTTP/1.0`` closes it after each answer,
as ``python -m http.server`` does.

    python bench/page_server.py PORT DIRECTORY [--protocol HTTP/1.0]
"""

from __future__ import annotations

import argparse
import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer


class QuietHandler(SimpleHTTPRequestHandler):
    """Files from the directory, no log line per request."""

    # The head and the body go out in two writes: with Nagle's algorithm the body would wait
    # for the client's delayed ACK of the head (40 ms a page) on a kept-alive connection.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("port", type=int)
    parser.add_argument("directory")
    parser.add_argument("--protocol", choices=("HTTP/1.0", "HTTP/1.1"), default="HTTP/1.1")
    args = parser.parse_args()
    handler = type("Handler", (QuietHandler,), {"protocol_version": args.protocol})
    server = ThreadingHTTPServer(
        ("127.0.0.1", args.port), functools.partial(handler, directory=args.directory)
    )
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
