"""Scheduled feed polling with a clock the test controls: due feeds, 304, failing and recovery,
the page-fetch cap, parsing off the event loop, and stopping promptly at shutdown."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from telegram.ext import ApplicationBuilder

from bot.config import Settings
from bot.ingest import Ingestor
from bot.sources.client import make_fetcher
from bot.sources.feed_store import FAILING_AFTER, FeedStore
from bot.sources.jobs import JOB_NAME, admin_messages, install_feed_poll_job, run_until_stopped
from bot.sources.poll import PollReport
from bot.store.api import Store
from summaries.model import Topic
from tests.sources.conftest import NoSleep, make_settings
from tests.sources.pages import article_page, rss_feed, seed_articles
from tests.sources.server import LocalServer, Reply, Request

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


class Feed:
    """An RSS feed on the test server that answers 304 to a matching If-None-Match."""

    def __init__(self, server: LocalServer, path: str = "/feed.xml") -> None:
        self.server = server
        self.path = path
        self.items: list[tuple[str, str, str]] = []
        self.version = 0
        self.broken = False
        server.route(path, self.reply)

    def publish(self, number: int) -> None:
        article = seed_articles()[number]
        page = f"/p/{number}.html"
        self.server.route(
            page, Reply(200, article_page(article).encode("utf-8"), {"Content-Type": "text/html"})
        )
        self.items.insert(0, (article.title, self.server.url(page), ""))
        self.version += 1

    def reply(self, request: Request) -> Reply:
        if self.broken:
            return Reply(500, b"database down")
        etag = f'"v{self.version}"'
        if request.headers.get("if-none-match") == etag:
            return Reply(304, headers={"ETag": etag})
        body = rss_feed(self.items).encode("utf-8")
        return Reply(200, body, {"Content-Type": "application/rss+xml", "ETag": etag})

    @property
    def url(self) -> str:
        return self.server.url(self.path)


@pytest.fixture
def feed(server: LocalServer) -> Feed:
    return Feed(server)


@pytest.fixture
def feed_settings(tmp_path: Path, feed: Feed) -> Settings:
    return make_settings(tmp_path, feeds=(feed.url,))


async def poll(
    store: Store,
    client: httpx.AsyncClient,
    settings: Settings,
    topics: tuple[Topic, ...],
    no_sleep: NoSleep,
    now: datetime,
) -> PollReport:
    ingestor = Ingestor(store, settings=settings, topics=topics)  # type: ignore[arg-type]
    return await ingestor.poll_feeds(
        now,
        feeds=await FeedStore.open(store),  # type: ignore[arg-type]
        fetcher=make_fetcher(client, settings, sleep=no_sleep),
    )


@pytest.fixture
async def feed_store(store: Store) -> FeedStore:
    return await FeedStore.open(store)  # type: ignore[arg-type]


async def test_poll_reads_due_feeds_with_conditional_get(
    server: LocalServer,
    feed: Feed,
    store: Store,
    feed_store: FeedStore,
    feed_settings: Settings,
    topics: tuple[Topic, ...],
    client: httpx.AsyncClient,
    no_sleep: NoSleep,
) -> None:
    feed.publish(0)
    feed.publish(1)

    first = await poll(store, client, feed_settings, topics, no_sleep, T0)
    assert (first.polled, first.added, first.errors) == ([feed.url], 2, [])
    record = await feed_store.get(feed.url)
    assert record is not None
    assert (record.etag, record.last_polled_at, record.last_ok_at) == ('"v2"', T0, T0)

    # Five minutes later the feed is not due: no request at all.
    soon = await poll(store, client, feed_settings, topics, no_sleep, T0 + timedelta(minutes=5))
    assert (soon.polled, soon.not_due) == ([], [feed.url])
    assert server.hits(feed.path) == 1

    # A poll interval later: conditional GET, 304, nothing fetched or stored.
    later = T0 + timedelta(minutes=30)
    unchanged = await poll(store, client, feed_settings, topics, no_sleep, later)
    assert (unchanged.not_modified, unchanged.added) == ([feed.url], 0)
    assert server.requests[-1].headers["if-none-match"] == '"v2"'
    record = await feed_store.get(feed.url)
    assert record is not None and record.last_ok_at == later

    # A new item: only its page is fetched, the old ones are known by URL.
    feed.publish(2)
    newer = await poll(
        store, client, feed_settings, topics, no_sleep, later + timedelta(minutes=30)
    )
    assert (newer.added, newer.duplicates) == (1, 2)
    assert server.hits("/p/0.html") == server.hits("/p/1.html") == server.hits("/p/2.html") == 1
    assert await store.count_articles() == 3


async def test_failing_feed_is_marked_once_and_unmarked_on_recovery(
    feed: Feed,
    store: Store,
    feed_store: FeedStore,
    feed_settings: Settings,
    topics: tuple[Topic, ...],
    client: httpx.AsyncClient,
    no_sleep: NoSleep,
) -> None:
    feed.publish(1)
    feed.broken = True
    now = T0
    marked: list[list[tuple[str, str]]] = []
    for _round in range(FAILING_AFTER + 1):
        report = await poll(store, client, feed_settings, topics, no_sleep, now)
        assert report.errors and "HTTP 500" in report.errors[0][1]
        marked.append(report.newly_failing)
        # Failures back off (one interval, two, four ...): step past each wait.
        now += timedelta(hours=12)
    # Told once, at the FAILING_AFTER-th failure in a row, with the reason.
    assert marked[: FAILING_AFTER - 1] == [[]] * (FAILING_AFTER - 1)
    # The reason leads with the status; how many attempts fitted in the deadline may follow.
    [(failed_url, reason)] = marked[FAILING_AFTER - 1]
    assert failed_url == feed.url and reason.startswith("HTTP 500 Internal Server Error")
    assert marked[FAILING_AFTER] == []
    record = await feed_store.get(feed.url)
    assert record is not None and record.failing and record.failures == FAILING_AFTER + 1
    assert record.failing_since == T0 + timedelta(hours=12 * (FAILING_AFTER - 1))
    assert record.first_failed_at == T0

    feed.broken = False
    recovered = await poll(store, client, feed_settings, topics, no_sleep, now)
    assert (recovered.recovered, recovered.added) == ([feed.url], 1)
    record = await feed_store.get(feed.url)
    assert record is not None and not record.failing and record.failures == 0
    assert record.last_error is None
    messages = admin_messages(recovered)
    assert messages == [f"✅ 订阅源已恢复 / feed recovered: {feed.url}"]


async def test_a_registered_url_that_serves_a_page_is_a_failure(
    server: LocalServer,
    store: Store,
    feed_store: FeedStore,
    settings: Settings,
    topics: tuple[Topic, ...],
    client: httpx.AsyncClient,
    no_sleep: NoSleep,
) -> None:
    server.route(
        "/page.html",
        Reply(200, article_page(seed_articles()[1]).encode(), {"Content-Type": "text/html"}),
    )
    await feed_store.add(server.url("/page.html"), added_by=42)
    report = await poll(store, client, settings, topics, no_sleep, T0)
    assert report.errors == [(server.url("/page.html"), "not a feed: the URL serves a web page")]
    assert await store.count_articles() == 0


def test_admin_messages_escape_html() -> None:
    report = PollReport(newly_failing=[("http://x.test/?a=1&b=<2>", "invalid XML: <oops>")])
    (message,) = admin_messages(report)
    assert "a=1&amp;b=&lt;2&gt;" in message and "&lt;oops&gt;" in message
    assert "<2>" not in message


async def test_job_is_installed_and_its_run_stores_articles(
    feed: Feed, store: Store, feed_settings: Settings, topics: tuple[Topic, ...]
) -> None:
    feed.publish(1)
    application = ApplicationBuilder().token("123456:TEST").build()
    notices: list[str] = []

    async def notify(text: str) -> None:
        notices.append(text)

    ingestor = Ingestor(store, settings=feed_settings, topics=topics)  # type: ignore[arg-type]
    feeds = await FeedStore.open(store)  # type: ignore[arg-type]
    install_feed_poll_job(
        application,
        settings=feed_settings,
        poll_round=lambda now: ingestor.poll_feeds(now, feeds=feeds),
        notify_admins=notify,
    )
    assert application.job_queue is not None
    (job,) = application.job_queue.get_jobs_by_name(JOB_NAME)
    assert job.job.trigger.interval == timedelta(minutes=feed_settings.feed_poll_minutes)
    await job.run(application)
    assert await store.count_articles() == 1
    assert notices == []


async def test_page_fetches_are_capped_per_feed_and_poll(
    server: LocalServer,
    feed: Feed,
    store: Store,
    tmp_path: Path,
    topics: tuple[Topic, ...],
    client: httpx.AsyncClient,
    no_sleep: NoSleep,
) -> None:
    for number in range(3):
        feed.publish(number)
    capped = make_settings(tmp_path, feeds=(feed.url,), feed_max_page_fetches=1)
    pages = [f"/p/{n}.html" for n in range(3)]

    first = await poll(store, client, capped, topics, no_sleep, T0)
    assert (first.added, first.deferred) == (1, 2)
    assert sum(server.hits(p) for p in pages) == 1
    # The round was cut short: its validators are not kept, so the next round reads it all.
    second = await poll(store, client, capped, topics, no_sleep, T0 + timedelta(minutes=30))
    assert (second.added, second.duplicates, second.deferred) == (1, 1, 1)
    assert second.not_modified == []
    third = await poll(store, client, capped, topics, no_sleep, T0 + timedelta(minutes=60))
    assert (third.added, third.duplicates, third.deferred) == (1, 2, 0)
    assert [server.hits(p) for p in pages] == [1] * 3
    assert await store.count_articles() == 3


async def test_the_feed_is_parsed_off_the_event_loop(
    feed: Feed,
    store: Store,
    feed_settings: Settings,
    topics: tuple[Topic, ...],
    client: httpx.AsyncClient,
    no_sleep: NoSleep,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import bot.sources.web

    threads: list[threading.Thread] = []
    real_parse = bot.sources.web.parse_feed

    def parse(*args: object) -> object:
        threads.append(threading.current_thread())
        return real_parse(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(bot.sources.web, "parse_feed", parse)
    feed.publish(1)
    report = await poll(store, client, feed_settings, topics, no_sleep, T0)
    assert report.added == 1
    assert threads and threads[0] is not threading.main_thread()


def _slow_feed(server: LocalServer, feed: Feed) -> None:
    for number in range(3):
        feed.publish(number)
        page = article_page(seed_articles()[number]).encode("utf-8")
        server.route(f"/p/{number}.html", Reply(200, page, {"Content-Type": "text/html"}, delay=30))


async def test_a_poll_over_a_slow_feed_stops_promptly_when_cancelled(
    server: LocalServer,
    feed: Feed,
    store: Store,
    tmp_path: Path,
    topics: tuple[Topic, ...],
    client: httpx.AsyncClient,
    no_sleep: NoSleep,
) -> None:
    _slow_feed(server, feed)
    patient = make_settings(tmp_path, feeds=(feed.url,), fetch_timeout_seconds=60.0)
    task = asyncio.create_task(poll(store, client, patient, topics, no_sleep, T0))
    await asyncio.sleep(0.5)
    assert not task.done()  # waiting on the slow pages
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 2.0


async def test_the_job_round_is_cancelled_when_the_application_stops(
    server: LocalServer,
    feed: Feed,
    store: Store,
    tmp_path: Path,
    topics: tuple[Topic, ...],
    client: httpx.AsyncClient,
    no_sleep: NoSleep,
) -> None:
    _slow_feed(server, feed)
    patient = make_settings(tmp_path, feeds=(feed.url,), fetch_timeout_seconds=60.0)
    running = [True]

    async def stop_soon() -> None:
        await asyncio.sleep(0.5)
        running[0] = False  # what Application.stop does first

    stopper = asyncio.create_task(stop_soon())
    started = time.monotonic()
    report = await run_until_stopped(
        poll(store, client, patient, topics, no_sleep, T0), lambda: running[0]
    )
    await stopper
    assert report is None
    assert time.monotonic() - started < 2.0
