"""A fake RSSHub instance on a loopback server: routes answered as RSS, the access key checked."""

from __future__ import annotations

import html
from urllib.parse import parse_qs, urlsplit

from tests.sources.pages import seed_articles
from tests.sources.server import LocalServer, Reply, Request


def full_text_rss(route: str, numbers: list[int], *, ttl: int | None = None) -> bytes:
    """RSS as RSSHub writes it: generator RSSHub, an optional <ttl>, whole articles inside."""
    items = []
    for number in numbers:
        article = seed_articles()[number]
        body = "".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)
        items.append(
            f"<item><title>{html.escape(article.title)}</title>"
            f"<link>https://news.example{route}/{number}.html</link>"
            f"<description>{html.escape(body)}</description>"
            "<pubDate>Fri, 18 Jun 2021 00:00:00 GMT</pubDate></item>"
        )
    ttl_tag = f"<ttl>{ttl}</ttl>" if ttl is not None else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{route}</title><link>https://news.example{route}</link>"
        f"<generator>RSSHub</generator>{ttl_tag}{''.join(items)}</channel></rss>"
    ).encode()


class FakeRsshub:
    """Answers ``route`` with a feed when the request carries ``key`` (403 otherwise)."""

    def __init__(self, server: LocalServer, *, key: str | None, max_age: int = 300) -> None:
        self.server = server
        self.key = key
        self.max_age = max_age
        self.keys_seen: list[str | None] = []

    def serve(self, route: str, numbers: list[int], *, ttl: int | None = None) -> None:
        """Answer GET ``route`` with these seed articles."""
        body = full_text_rss(route, numbers, ttl=ttl)

        def reply(request: Request) -> Reply:
            given = parse_qs(urlsplit(request.path).query).get("key", [None])[0]
            self.keys_seen.append(given)
            if self.key is not None and given != self.key:
                return Reply(403, b"Authentication failed. Access denied.")
            headers = {
                "Content-Type": "application/rss+xml; charset=utf-8",
                "Cache-Control": f"public, max-age={self.max_age}",
            }
            return Reply(200, body, headers)

        self.server.route(route, reply)
