"""Feeds for every chat: one feed row however many chats follow it, polled once, its articles
in each follower's digest; limits, MULTIUSER=0, OPML imports; health, backoff and disabling."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import httpx

from bot.config import Settings
from bot.ingest import Ingestor
from bot.services.catalogue import CatalogueService
from bot.services.chat_feeds import ChatFeedService
from bot.services.chats import ChatRef, ChatService
from bot.sources.catalogue import load_catalogue
from bot.sources.client import make_fetcher
from bot.sources.feed_store import FeedStore
from bot.sources.health import feed_health
from bot.sources.jobs import admin_messages
from bot.sources.poll import PollReport
from bot.sources.registry import FeedRegistry
from bot.store.api import Store
from summaries.model import Topic
from tests.sources.conftest import NoSleep, make_settings
from tests.sources.pages import REPO
from tests.sources.rsshub_fake import full_text_rss
from tests.sources.server import LocalServer, Reply

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
ADMIN = 4242
ALICE = ChatRef(101, "private", "zh")
BOB = ChatRef(-100202, "supergroup", "zh")
CAROL = ChatRef(303, "private", "en")


def service(store: Store, settings: Settings) -> ChatFeedService:
    chats = ChatService(store, default_timezone="UTC", default_digest_time=time(8, 0))
    feeds = FeedStore(store.engine)  # type: ignore[attr-defined]
    catalogue = CatalogueService(
        feeds, load_catalogue(REPO / "seeds" / "feeds.toml"), rsshub_ready=False
    )
    return ChatFeedService(
        store,
        chats,
        FeedRegistry(feeds, settings=settings),
        catalogue,
        max_per_chat=settings.max_feeds_per_chat,
        multiuser=settings.multiuser,
        admin_ids=frozenset({ADMIN}),
    )


async def poll(
    store: Store, settings: Settings, topics: tuple[Topic, ...], now: datetime
) -> PollReport:
    ingestor = Ingestor(store, settings=settings, topics=topics)  # type: ignore[arg-type]
    async with httpx.AsyncClient(follow_redirects=False, trust_env=False) as client:
        fetcher = make_fetcher(client, settings, sleep=NoSleep(), retries=0)
        return await ingestor.poll_feeds(
            now,
            feeds=FeedStore(store.engine),
            fetcher=fetcher,  # type: ignore[attr-defined]
        )


def serve_feed(server: LocalServer, path: str, numbers: list[int]) -> str:
    server.route(
        path,
        Reply(200, full_text_rss(path, numbers), {"Content-Type": "application/rss+xml"}),
    )
    return server.url(path)


async def test_a_feed_shared_by_two_chats_is_stored_and_polled_once(
    server: LocalServer, store: Store, settings: Settings, topics: tuple[Topic, ...]
) -> None:
    url = serve_feed(server, "/shared.xml", [0, 1])
    other = serve_feed(server, "/other.xml", [2])
    chats = service(store, settings)
    first = await chats.follow(ALICE, url, user_id=ALICE.id)
    second = await chats.follow(BOB, f"  {url} ", user_id=10_001)
    assert (first.status, second.status) == ("added", "added")
    assert (await chats.follow(ALICE, url, user_id=ALICE.id)).status == "exists"
    await chats.follow(CAROL, other, user_id=CAROL.id)

    feeds = FeedStore(store.engine)  # type: ignore[attr-defined]
    listed = await feeds.list()
    assert [feed.url for feed in listed] == [url, other]
    assert not any(feed.is_global for feed in listed)  # followed by chats only
    assert await feeds.followers() == {url: 2, other: 1}

    report = await poll(store, settings, topics, T0)
    assert sorted(report.polled) == sorted([url, other]) and report.added == 3
    assert server.hits("/shared.xml") == 1

    alice = await store.articles_for_chat(ALICE.id, limit=10)
    bob = await store.articles_for_chat(BOB.id, limit=10)
    carol = await store.articles_for_chat(CAROL.id, limit=10)
    shared_id = (await feeds.get(url)).id  # type: ignore[union-attr]
    assert len(alice) == 2 and {a.feed_id for a in alice} == {shared_id}
    assert [a.id for a in bob] == [a.id for a in alice]
    assert len(carol) == 1 and carol[0].id not in {a.id for a in alice}
    batch = await store.articles_for_chats(  # type: ignore[attr-defined]
        [ALICE.id, BOB.id, CAROL.id], limit=10
    )
    assert [a.id for a in batch[BOB.id]] == [a.id for a in bob]
    assert [a.id for a in batch[CAROL.id]] == [a.id for a in carol]

    # Alice leaves: Bob still follows, the feed is still polled.
    left = await chats.unfollow(ALICE, url, user_id=ALICE.id)
    assert left.status == "removed"
    assert (await chats.unfollow(ALICE, url, user_id=ALICE.id)).status == "missing"
    assert await store.articles_for_chat(ALICE.id, limit=10) == []
    assert url in {feed.url for feed in await feeds.polled()}
    await chats.unfollow(BOB, url, user_id=10_001)
    assert url not in {feed.url for feed in await feeds.polled()}


async def test_limits_and_multiuser_off(store: Store, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, max_feeds_per_chat=2, multiuser=False)
    chats = service(store, settings)
    assert (await chats.follow(ALICE, "https://a.example/rss", user_id=ALICE.id)).status == (
        "admins_only"
    )
    for n in range(2):
        assert (await chats.follow(ALICE, f"https://{n}.example/rss", user_id=ADMIN)).status == (
            "added"
        )
    assert (await chats.follow(ALICE, "https://9.example/rss", user_id=ADMIN)).status == "limit"
    # Topics and keywords have their own limit: feeds do not use it up.
    assert await store.add_subscription(ALICE.id, "keyword", "茅台", max_per_chat=1) == "added"
    refused = await chats.follow(ALICE, "ftp://a.example/rss", user_id=ADMIN)
    assert refused.status == "refused" and "only http and https" in refused.reason
    route = await chats.follow(ALICE, "rsshub://caixin/latest", user_id=ADMIN)
    assert route.status == "refused" and "RSSHUB_BASE_URL" in route.reason


async def test_a_catalogue_entry_by_slug_or_name(store: Store, settings: Settings) -> None:
    chats = service(store, settings)
    by_name = await chats.follow(ALICE, "36氪", user_id=ALICE.id)
    assert (by_name.status, by_name.url, by_name.name) == ("added", "https://36kr.com/feed", "36氪")
    by_slug = await chats.follow(ALICE, "ithome", user_id=ALICE.id)
    assert by_slug.url == "https://www.ithome.com/rss/"
    record = await FeedStore(store.engine).get("https://www.ithome.com/rss/")  # type: ignore[attr-defined]
    assert record is not None and (record.slug, record.category) == ("ithome", "tech")


OPML = b"""<?xml version="1.0"?>
<opml version="2.0"><body>
  <outline text="Tech">
    <outline text="A" xmlUrl="https://a.example/rss" htmlUrl="https://a.example/"/>
    <outline text="B" xmlUrl="https://b.example/rss"/>
  </outline>
  <outline text="C" xmlUrl="https://c.example/rss"/>
  <outline text="bad" xmlUrl="javascript:alert(1)"/>
</body></opml>
"""


async def test_an_opml_import_for_a_chat_says_what_it_did(store: Store, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, max_feeds_per_chat=2)
    chats = service(store, settings)
    await chats.follow(ALICE, "https://a.example/rss", user_id=ALICE.id)
    report = await chats.import_chat(ALICE, OPML, user_id=ALICE.id)
    assert report.error is None
    assert report.existing == ["https://a.example/rss"]
    assert report.added == ["https://b.example/rss"]
    assert report.refused == [
        ("javascript:alert(1)", "only http(s) and rsshub:// feeds are imported, not javascript:"),
        ("https://c.example/rss", "the chat's limit of 2 feeds"),
    ]
    # The folder became the category of the new feed; the export keeps it.
    count, document = await chats.export_chat(ALICE)
    assert count == 2 and b'<outline text="\xe7\xa7\x91\xe6\x8a\x80"' in document  # 科技
    whole = await chats.import_chat(CAROL, b"<html/>", user_id=CAROL.id)
    assert whole.error is not None and "not OPML" in whole.error
    assert await store.list_subscriptions(CAROL.id) == []


async def test_a_feed_failing_for_days_backs_off_then_is_disabled_once(
    server: LocalServer, store: Store, tmp_path: Path, topics: tuple[Topic, ...]
) -> None:
    server.route("/dead.xml", Reply(500, b"gone"))
    url = server.url("/dead.xml")
    settings = make_settings(tmp_path, feeds=(url,), feed_disable_days=7)
    now, polls, disabled, notices = T0, 0, [], []
    while now < T0 + timedelta(days=10):
        report = await poll(store, settings, topics, now)
        polls += len(report.polled)
        disabled += report.newly_disabled
        notices += [m for m in admin_messages(report) if "已停用" in m]
        now += timedelta(hours=3)
    # Backoff: 30 min, 1 h, 2 h ... up to a day; then disabled at day 7, told once.
    assert disabled == [(url, disabled[0][1])] and "HTTP 500" in disabled[0][1]
    assert len(notices) == 1 and url in notices[0]
    assert 7 <= polls <= 14, polls
    record = await FeedStore(store.engine).get(url)  # type: ignore[attr-defined]
    assert record is not None and record.disabled
    assert record.disabled_at is not None and record.disabled_at - T0 >= timedelta(days=7)
    assert record.interval_seconds == 86400
    hits = server.hits("/dead.xml")
    await poll(store, settings, topics, now + timedelta(days=3))
    assert server.hits("/dead.xml") == hits  # a disabled feed is not polled
    rows = await feed_health(FeedStore(store.engine), now=now, base=timedelta(minutes=30))  # type: ignore[attr-defined]
    assert [(row.state, row.feed.failures) for row in rows] == [("disabled", record.failures)]


async def test_health_rows_count_recent_items_and_show_stale_feeds(
    server: LocalServer, store: Store, tmp_path: Path, topics: tuple[Topic, ...]
) -> None:
    url = serve_feed(server, "/old.xml", [0, 1])  # dated 2021: long stale
    settings = make_settings(tmp_path, feeds=(url,))
    await poll(store, settings, topics, T0)
    feeds = FeedStore(store.engine)  # type: ignore[attr-defined]
    (row,) = await feed_health(feeds, now=T0, base=timedelta(minutes=30))
    assert row.state == "stale" and row.recent_items == 0
    (row,) = await feed_health(
        feeds, now=datetime(2021, 6, 20, tzinfo=UTC), base=timedelta(minutes=30)
    )
    assert row.recent_items == 2 and row.interval == timedelta(minutes=30)


def _cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(REPO),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "TOPICS_FILE": str(REPO / "seeds" / "topics.toml"),
        "CATALOGUE_FILE": str(REPO / "seeds" / "feeds.toml"),
        "CATALOGUE": "none",
        "ALLOW_PRIVATE_SOURCES": "1",
        "FEED_HOST_SPACING_SECONDS": "0",
        "FETCH_TIMEOUT_SECONDS": "2",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "feeds", *args],
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


def test_feeds_command_line_import_poll_list_export(server: LocalServer, tmp_path: Path) -> None:
    url = serve_feed(server, "/cli.xml", [0, 1])
    opml = tmp_path / "mine.opml"
    opml.write_bytes(
        b'<opml version="1.0"><body><outline text="\xe8\xb4\xa2\xe7\xbb\x8f">'
        + f'<outline text="local" xmlUrl="{url}"/>'.encode()
        + b'<outline text="x" xmlUrl="file:///etc/passwd"/></outline></body></opml>'
    )
    imported = _cli(tmp_path, "import", str(opml))
    assert imported.returncode == 0, imported.stderr
    assert "added: 1" in imported.stdout and "refused file:///etc/passwd" in imported.stdout

    polled = _cli(tmp_path, "poll", "--once")
    assert polled.returncode == 0, polled.stderr
    assert f"{url}: added 2, duplicate 0, refused 0; next poll" in polled.stdout

    listed = _cli(tmp_path, "list")
    assert listed.returncode == 0, listed.stderr
    header, line = listed.stdout.splitlines()[:2]
    assert "state" in header and "7 days" in header and "every" in header
    assert url in line and "30m" in line

    exported = _cli(tmp_path, "export")
    assert exported.returncode == 0, exported.stderr
    assert f'xmlUrl="{url}"' in exported.stdout and '<outline text="财经"' in exported.stdout

    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body><outline", "utf-8")
    refused = _cli(tmp_path, "import", str(bad))
    assert refused.returncode == 1
    assert "not valid XML" in refused.stderr and "nothing was imported" in refused.stderr
    assert "Traceback" not in refused.stderr
    missing = _cli(tmp_path, "import", str(tmp_path / "nope.opml"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
