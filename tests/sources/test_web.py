"""Pages and feeds from a loopback server through the ingest pipeline into a real SQLite store,
and every bad source refused."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from bot.config import Settings
from bot.ingest import Ingestor, IngestReport, open_store
from bot.ingest import run as run_module
from bot.sources.client import make_fetcher
from bot.sources.safety import AddressPolicy
from bot.store.api import Store
from summaries.model import Article, Topic
from tests.sources.conftest import NoSleep, make_settings
from tests.sources.pages import (
    AD,
    COMMENTS,
    NAV,
    article_page,
    atom_feed,
    rss_feed,
    seed_articles,
)
from tests.sources.server import LocalServer, Reply

HTML = {"Content-Type": "text/html; charset=utf-8"}


def serve_page(server: LocalServer, path: str, article: Article, **kwargs: str) -> str:
    server.route(path, Reply(200, article_page(article, **kwargs).encode("utf-8"), HTML))
    return server.url(path)


async def ingest(
    store: Store,
    urls: Sequence[str],
    settings: Settings,
    topics: Sequence[Topic],
    client: httpx.AsyncClient,
    no_sleep: NoSleep,
    policy: AddressPolicy | None = None,
) -> IngestReport:
    fetcher = make_fetcher(client, settings, sleep=no_sleep, policy=policy)
    return await Ingestor(store, settings=settings, topics=topics).urls(urls, fetcher=fetcher)


async def all_articles(store: Store) -> list:  # type: ignore[type-arg]
    return await store.latest_articles(limit=100)


async def test_rss_items_link_to_pages(
    server: LocalServer,
    store: Store,
    settings: Settings,
    topics: tuple[Topic, ...],
    client: httpx.AsyncClient,
    no_sleep: NoSleep,
) -> None:
    articles = seed_articles()
    links = [serve_page(server, f"/news/{n}.html", a) for n, a in enumerate(articles)]
    items = [(a.title, link, a.paragraphs[0][:50]) for a, link in zip(articles, links, strict=True)]
    server.route(
        "/rss.xml", Reply(200, rss_feed(items).encode(), {"Content-Type": "application/rss+xml"})
    )

    report = await ingest(store, [server.url("/rss.xml")], settings, topics, client, no_sleep)

    assert (report.added, report.duplicates, report.refused) == (len(articles), 0, [])
    stored = {a.url: a for a in await all_articles(store)}
    assert set(stored) == set(links)
    for article, link in zip(articles, links, strict=True):
        got = stored[link]
        assert got.title == article.title
        assert article.paragraphs[-1] in got.body
        assert got.digest and all(sentence in got.body for sentence in got.digest)
        assert got.published_at is not None and got.published_at.year == 2021
        assert got.source == "127.0.0.1"
    result = await store.search("格尔木")
    assert [hit.article.url for hit in result.hits] == [links[1]]

    # Read again: every item is a duplicate, and no page is fetched a second time.
    again = await ingest(store, [server.url("/rss.xml")], settings, topics, client, no_sleep)
    assert (again.added, again.duplicates, again.refused) == (0, len(articles), [])
    assert all(server.hits(f"/news/{n}.html") == 1 for n in range(len(articles)))
    assert await store.count_articles() == len(articles)


async def test_atom_full_content_is_used_without_fetching_links(
    server: LocalServer,
    store: Store,
    settings: Settings,
    topics: tuple[Topic, ...],
    client: httpx.AsyncClient,
    no_sleep: NoSleep,
) -> None:
    articles = seed_articles()[:2]
    entries = [(a.title, server.url(f"/never/{n}"), a.body) for n, a in enumerate(articles)]
    server.route(
        "/atom.xml",
        Reply(200, atom_feed(entries).encode(), {"Content-Type": "application/atom+xml"}),
    )

    report = await ingest(store, [server.url("/atom.xml")], settings, topics, client, no_sleep)

    assert (report.added, report.refused) == (2, [])
    assert server.hits("/never/0") == server.hits("/never/1") == 0
    stored = sorted(await all_articles(store), key=lambda a: a.url or "")
    assert [a.title for a in stored] == [a.title for a in articles]
    assert [a.body for a in stored] == [a.body for a in articles]


async def test_utf8_page_keeps_the_article_and_drops_the_rest(
    server: LocalServer,
    store: Store,
    settings: Settings,
    topics: tuple[Topic, ...],
    client: httpx.AsyncClient,
    no_sleep: NoSleep,
) -> None:
    article = seed_articles()[0]
    url = serve_page(server, "/article.html", article)
    report = await ingest(store, [url], settings, topics, client, no_sleep)
    assert (report.added, report.refused) == (1, [])
    (stored,) = await all_articles(store)
    assert stored.title == article.title
    assert stored.authors == (" ".join(article.authors),) or stored.authors == article.authors
    for paragraph in article.paragraphs:
        assert paragraph in stored.body
    for junk in [*NAV, AD, *COMMENTS, "网友评论", "某某新闻网"]:
        assert junk not in stored.body
    assert "party" in stored.topics  # an article about 党建


async def test_gbk_page_is_stored_without_mojibake(
    server: LocalServer,
    store: Store,
    settings: Settings,
    topics: tuple[Topic, ...],
    client: httpx.AsyncClient,
    no_sleep: NoSleep,
) -> None:
    article = seed_articles()[0]
    body = article_page(article, charset="gb2312").encode("gbk")
    server.route("/gbk.html", Reply(200, body, {"Content-Type": "text/html; charset=GB2312"}))
    report = await ingest(store, [server.url("/gbk.html")], settings, topics, client, no_sleep)
    assert (report.added, report.refused) == (1, [])
    (stored,) = await all_articles(store)
    assert stored.title == article.title
    assert "——漯河市市场监督管理局" in stored.body  # GB2312 would read the dashes as ――
    for paragraph in article.paragraphs:
        assert paragraph in stored.body
    assert "\ufffd" not in stored.body


async def test_near_duplicate_with_another_headline_and_tail_is_skipped(
    server: LocalServer,
    store: Store,
    settings: Settings,
    topics: tuple[Topic, ...],
    client: httpx.AsyncClient,
    no_sleep: NoSleep,
) -> None:
    first, other = seed_articles()[0], seed_articles()[1]
    original = serve_page(server, "/a.html", first)
    copy = serve_page(
        server,
        "/copy.html",
        first,
        title="漯河市场监管局：党建引领文明创建",
        extra="（来源：某某日报 责任编辑：王某）",
    )
    same_text = serve_page(server, "/same.html", first)
    distinct = serve_page(server, "/b.html", other)

    first_report = await ingest(store, [original], settings, topics, client, no_sleep)
    report = await ingest(store, [copy, same_text, distinct], settings, topics, client, no_sleep)

    assert first_report.added == 1
    assert (report.added, report.duplicates, report.refused) == (1, 2, [])
    # The same words as for a file (tests/test_cli.py); the same text at another URL is exact.
    ((source, reason),) = report.near_duplicates
    assert source == copy
    assert reason.startswith("near-duplicate of article #1 (SimHash distance ")
    urls = sorted(a.url or "" for a in await all_articles(store))
    assert urls == sorted([original, distinct])


async def test_feed_item_whose_page_is_missing_is_refused_alone(
    server: LocalServer,
    store: Store,
    settings: Settings,
    topics: tuple[Topic, ...],
    client: httpx.AsyncClient,
    no_sleep: NoSleep,
) -> None:
    article = seed_articles()[1]
    good = serve_page(server, "/ok.html", article)
    items = [(article.title, good, ""), ("丢失的文章", server.url("/gone.html"), "")]
    server.route("/rss.xml", Reply(200, rss_feed(items).encode(), {"Content-Type": "text/xml"}))
    report = await ingest(store, [server.url("/rss.xml")], settings, topics, client, no_sleep)
    assert report.added == 1
    assert report.refused == [(server.url("/gone.html"), "HTTP 404 Not Found")]
    assert await store.count_articles() == 1


BAD_XML = b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>x</titl></channel>'


@pytest.mark.parametrize(
    ("path", "reply", "reason"),
    [
        ("/missing", None, "HTTP 404 Not Found"),
        ("/slow", Reply(200, b"<html></html>", HTML, delay=3.0), "no answer within 0.3 s"),
        ("/huge", Reply(200, chunks=[b"<p>" + b"x" * 65536] * 8, headers=HTML), "too large"),
        ("/bad.xml", Reply(200, BAD_XML, {"Content-Type": "application/rss+xml"}), "invalid XML"),
        ("/down", Reply(503, b"busy"), "HTTP 503"),
        ("/empty.html", Reply(200, b"<html><body></body></html>", HTML), "no article text"),
    ],
)
async def test_unreadable_sources_are_refused_with_a_reason(
    server: LocalServer,
    store: Store,
    settings: Settings,
    topics: tuple[Topic, ...],
    client: httpx.AsyncClient,
    no_sleep: NoSleep,
    path: str,
    reply: Reply | None,
    reason: str,
) -> None:
    if reply is not None:
        server.route(path, reply)
    good = serve_page(server, "/good.html", seed_articles()[1])
    fast = settings.model_copy(update={"fetch_timeout_seconds": 0.3})
    report = await ingest(store, [server.url(path), good], fast, topics, client, no_sleep)
    assert report.added == 1
    assert len(report.refused) == 1
    url, why = report.refused[0]
    assert url == server.url(path)
    assert reason in why and "\n" not in why
    assert [a.url for a in await all_articles(store)] == [good]


async def test_500_that_succeeds_on_retry_is_stored(
    server: LocalServer,
    store: Store,
    settings: Settings,
    topics: tuple[Topic, ...],
    client: httpx.AsyncClient,
    no_sleep: NoSleep,
) -> None:
    page = article_page(seed_articles()[2]).encode("utf-8")
    answers = iter([Reply(500, b"error"), Reply(200, page, HTML)])
    server.route("/flaky.html", lambda _request: next(answers))
    report = await ingest(store, [server.url("/flaky.html")], settings, topics, client, no_sleep)
    assert (report.added, report.refused) == (1, [])
    assert server.hits("/flaky.html") == 2 and no_sleep.delays == [0.5]


async def test_redirect_to_a_private_address_is_refused(
    server: LocalServer,
    store: Store,
    settings: Settings,
    topics: tuple[Topic, ...],
    client: httpx.AsyncClient,
    no_sleep: NoSleep,
) -> None:
    server.route("/go", Reply(302, headers={"Location": "http://169.254.169.254/latest/"}))
    strict = settings.model_copy(update={"allow_private_sources": False})
    policy = AddressPolicy(allowed=frozenset({ipaddress.ip_address("127.0.0.1")}))
    report = await ingest(store, [server.url("/go")], strict, topics, client, no_sleep, policy)
    assert report.added == 0
    assert report.refused == [
        (server.url("/go"), "refused address: link-local address 169.254.169.254")
    ]
    assert await store.count_articles() == 0


async def test_default_settings_refuse_loopback(
    server: LocalServer, store: Store, settings: Settings, topics: tuple[Topic, ...]
) -> None:
    url = serve_page(server, "/page.html", seed_articles()[1])
    strict = settings.model_copy(update={"allow_private_sources": False})
    ingestor = Ingestor(store, settings=strict, topics=topics)
    report = await ingestor.urls([url, "ftp://example.com/x"])
    assert report.added == 0
    reasons = dict(report.refused)
    assert reasons[url] == "refused address: loopback address 127.0.0.1"
    assert "only http and https" in reasons["ftp://example.com/x"]
    assert server.requests == []


async def test_pages_extracted_in_workers_store_what_one_process_stores(
    server: LocalServer,
    tmp_path: Path,
    topics: tuple[Topic, ...],
    client: httpx.AsyncClient,
    no_sleep: NoSleep,
) -> None:
    urls = [serve_page(server, f"/p{n}.html", a) for n, a in enumerate(seed_articles())]
    server.route("/empty.html", Reply(200, b"<html><body><nav>menu</nav></body></html>", HTML))
    urls.append(server.url("/empty.html"))
    stored = []
    reports = []
    for workers in (2, 1):
        database = f"sqlite:///{(tmp_path / f'w{workers}.db').as_posix()}"
        settings = make_settings(tmp_path, database_url=database, ingest_workers=workers)
        store = await open_store(database)
        try:
            reports.append(await ingest(store, urls, settings, topics, client, no_sleep))
            rows = await all_articles(store)
        finally:
            await store.close()
        stored.append(
            sorted(
                (r.url, r.title, r.body, r.digest, r.keywords, r.category, r.published_at)
                for r in rows
            )
        )
    assert stored[0] == stored[1]
    assert len(stored[0]) == len(urls) - 1
    assert (
        reports[0].refused
        == reports[1].refused
        == [(urls[-1], "no article text found on the page")]
    )


class _AskedStore:
    """The store, recording how ingest asks it about URLs."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.one_by_one: list[str] = []
        self.lookups: list[list[str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    async def has_url(self, url: str) -> bool:
        self.one_by_one.append(url)
        return await self.store.has_url(url)

    async def stored_urls(self, urls: Sequence[str]) -> set[str]:
        self.lookups.append(list(urls))
        return await self.store.stored_urls(urls)


async def test_stored_pages_are_looked_up_together_and_not_fetched_again(
    server: LocalServer,
    store: Store,
    settings: Settings,
    topics: tuple[Topic, ...],
    client: httpx.AsyncClient,
    no_sleep: NoSleep,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(run_module, "URL_LOOKUP_CHUNK", 2)
    articles = seed_articles()[:3]
    urls = [serve_page(server, f"/p{n}.html", a) for n, a in enumerate(articles)]
    asked = _AskedStore(store)
    first = await ingest(cast(Store, asked), urls[:2], settings, topics, client, no_sleep)
    assert (first.added, first.duplicates) == (2, 0)

    asked.lookups.clear()
    again = await ingest(cast(Store, asked), [*urls, urls[0]], settings, topics, client, no_sleep)
    assert (again.added, again.duplicates, again.refused) == (1, 2, [])
    # One query per two URLs (each once), none before each fetch; stored pages not fetched.
    assert asked.lookups == [urls[:2], urls[2:]]
    assert asked.one_by_one == []
    assert [server.hits(f"/p{n}.html") for n in range(3)] == [1, 1, 1]


@pytest.mark.parametrize("workers", [2, 1])
async def test_a_linked_page_without_an_article_is_refused_by_its_link(
    server: LocalServer,
    tmp_path: Path,
    topics: tuple[Topic, ...],
    client: httpx.AsyncClient,
    no_sleep: NoSleep,
    workers: int,
) -> None:
    article = seed_articles()[1]
    good = serve_page(server, "/ok.html", article)
    server.route("/empty.html", Reply(200, b"<html><body><nav>menu</nav></body></html>", HTML))
    items = [("订阅源给的标题", good, ""), ("空的页面", server.url("/empty.html"), "")]
    server.route("/rss.xml", Reply(200, rss_feed(items).encode(), {"Content-Type": "text/xml"}))
    settings = make_settings(tmp_path, ingest_workers=workers)
    store = await open_store(settings.database_url)
    try:
        report = await ingest(store, [server.url("/rss.xml")], settings, topics, client, no_sleep)
        titles = [a.title for a in await all_articles(store)]
    finally:
        await store.close()
    # The feed's title wins over the page's, as when the source extracts the page itself.
    assert (report.added, titles) == (1, ["订阅源给的标题"])
    assert report.refused == [(server.url("/empty.html"), "no article text found on the page")]
