"""rsshub:// routes: stored without a key, read from the first instance that answers, the key
only on the wire, refused while no instance is set; <ttl> and cache headers set the next poll;
fetches to one host spaced out."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.config import Settings
from bot.ingest import Ingestor
from bot.logs import settings_redactor
from bot.sources.cadence import HostSpacing, feed_ttl_seconds, interval_after_failure
from bot.sources.client import make_fetcher
from bot.sources.errors import RefusedSource
from bot.sources.fetch import max_age
from bot.sources.registry import FeedRegistry
from bot.sources.rsshub import instance_url, parse_route, route_of
from bot.store.api import Store
from bot.store.feeds import FeedStore
from summaries.model import Topic
from tests.sources.conftest import NoSleep, make_settings
from tests.sources.rsshub_fake import FakeRsshub, full_text_rss
from tests.sources.server import LocalServer, Reply, running_server

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
KEY = "s3cret-rsshub-key"
ROUTE = "rsshub://zaobao/realtime/china"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("rsshub://zaobao/realtime/china", "rsshub://zaobao/realtime/china"),
        (" RSSHUB://caixin/latest?limit=20 ", "rsshub://caixin/latest?limit=20"),
        ("rsshub:///thepaper//featured/", "rsshub://thepaper/featured"),
        ("rsshub://cls/telegraph?filter=%E8%8C%85%E5%8F%B0", "rsshub://cls/telegraph?filter=茅台"),
    ],
)
def test_routes_are_stored_in_one_form(raw: str, stored: str) -> None:
    from urllib.parse import unquote

    assert unquote(parse_route(raw)) == stored


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("rsshub://zaobao/../../etc/passwd", "../"),
        ("rsshub://zaobao/%2e%2e/admin", "../"),
        ("rsshub://a/./b", "../"),
        ("rsshub://", "empty"),
        ("rsshub://caixin/latest?key=abc", "RSSHUB_ACCESS_KEY"),
        ("rsshub://caixin/latest?CODE=abc", "RSSHUB_ACCESS_KEY"),
        ("rsshub://a b/c", "spaces"),
        ("rsshub://a\\b", "backslash"),
    ],
)
def test_bad_routes_are_refused_in_one_sentence(raw: str, reason: str) -> None:
    with pytest.raises(RefusedSource, match=r"^[^\n]+$") as refused:
        parse_route(raw)
    assert reason in str(refused.value)


def test_instance_urls_carry_the_key_only_when_asked() -> None:
    route = "rsshub://caixin/latest?limit=5"
    assert (
        instance_url(route, "https://hub.example/") == "https://hub.example/caixin/latest?limit=5"
    )
    wire = instance_url(route, "https://hub.example", KEY)
    assert wire == f"https://hub.example/caixin/latest?limit=5&key={KEY}"
    # An exported instance URL comes back as the route, any key in it dropped.
    assert route_of(wire, ["https://hub.example"]) == route
    assert route_of("https://other.example/caixin/latest", ["https://hub.example"]) is None


def test_ttl_cache_headers_and_backoff() -> None:
    assert feed_ttl_seconds(b"<rss><channel><ttl> 60 </ttl></channel></rss>") == 3600
    assert feed_ttl_seconds(b"<rss><channel></channel></rss>") is None
    assert max_age("public, max-age=1800") == 1800
    assert max_age("public, s-maxage=600, max-age=60") == 600
    assert max_age("no-cache, max-age=60") is None
    base = timedelta(minutes=30)
    waits = [interval_after_failure(base, n) for n in range(1, 8)]
    assert waits[:4] == [base, base * 2, base * 4, base * 8]
    assert waits[-1] == timedelta(days=1)


async def _poll(
    store: Store, settings: Settings, topics: tuple[Topic, ...], now: datetime
) -> tuple[object, FeedStore]:
    feeds = store.feeds
    ingestor = Ingestor(store, settings=settings, topics=topics)
    async with httpx.AsyncClient(follow_redirects=False, trust_env=False) as client:
        fetcher = make_fetcher(client, settings, sleep=NoSleep(), retries=0)
        report = await ingestor.poll_feeds(now, feeds=feeds, fetcher=fetcher)
    return report, feeds


async def test_a_route_is_read_from_the_next_instance_when_the_first_fails(
    server: LocalServer,
    store: Store,
    tmp_path: Path,
    topics: tuple[Topic, ...],
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub = FakeRsshub(server, key=KEY, max_age=1800)
    hub.serve("/zaobao/realtime/china", [0, 1], ttl=60)
    with running_server() as broken:
        broken.route("/zaobao/realtime/china", Reply(503, b"upstream blocked"))
        settings = make_settings(
            tmp_path,
            rsshub_base_url=f"{broken.base},{server.base}/",
            rsshub_access_key=KEY,
        )
        registry = FeedRegistry(store.feeds, settings=settings)
        added = await registry.add(ROUTE + "?limit=20", added_by=1)
        assert (added.status, added.url) == ("added", ROUTE + "?limit=20")
        # As configure_logging does for every handler: the key is a secret of the settings.
        caplog.handler.addFilter(settings_redactor(settings))
        with caplog.at_level(logging.DEBUG):
            report, feeds = await _poll(store, settings, topics, T0)
        asked = [r.path for r in broken.requests]
        assert asked == [f"/zaobao/realtime/china?limit=20&key={KEY}"]
    assert report.errors == [] and report.added == 2  # type: ignore[attr-defined]
    assert hub.keys_seen == [KEY]
    # The stored feed is the route: no instance, no key.
    (record,) = await feeds.list()
    assert record.url == ROUTE + "?limit=20" and KEY not in repr(record)
    # The feed's <ttl> (60 minutes) is over the 30-minute interval: the next poll waits for it;
    # the cache header (30 minutes) is not longer, so the ttl wins.
    assert record.next_poll_at == T0 + timedelta(minutes=60)
    assert record.interval_seconds == 3600
    articles = await store.latest_articles(limit=5)
    assert {a.feed_id for a in articles} == {record.id}
    assert all(KEY not in (a.url or "") for a in articles)
    # httpx names the request URL at INFO: the line is there, the key is not.
    assert "key=<rsshub-key>" in caplog.text and KEY not in caplog.text


async def test_every_instance_failing_is_one_line_without_the_key(
    store: Store, tmp_path: Path, topics: tuple[Topic, ...]
) -> None:
    with running_server() as first, running_server() as second:
        first.route("/caixin/latest", Reply(500, b"boom"))
        hub = FakeRsshub(second, key="another-key")
        hub.serve("/caixin/latest", [0])
        settings = make_settings(
            tmp_path, rsshub_base_url=f"{first.base},{second.base}", rsshub_access_key=KEY
        )
        await store.feeds.add("rsshub://caixin/latest", added_by=None)
        report, feeds = await _poll(store, settings, topics, T0)
    ((url, error),) = report.errors  # type: ignore[attr-defined]
    assert url == "rsshub://caixin/latest"
    assert error.startswith("every RSSHub instance failed: 127.0.0.1:")
    assert "HTTP 500" in error and "HTTP 403" in error and "\n" not in error
    assert KEY not in error
    record = await feeds.get("rsshub://caixin/latest")
    assert record is not None and KEY not in (record.last_error or "")


async def test_routes_are_refused_while_no_instance_is_set(
    store: Store, settings: Settings, topics: tuple[Topic, ...]
) -> None:
    registry = FeedRegistry(store.feeds, settings=settings)
    refused = await registry.add("rsshub://caixin/latest", added_by=1)
    assert refused.status == "refused"
    assert refused.reason.startswith("rsshub:// routes need an RSSHub instance")
    assert "RSSHUB_BASE_URL" in refused.reason
    bad = await registry.add("rsshub://a/../b", added_by=1)
    assert bad.status == "refused" and "../" in bad.reason
    # A route registered earlier (an instance was set then) fails to poll with the same words.
    await registry.store.add("rsshub://caixin/latest", added_by=None)
    report, _ = await _poll(store, settings, topics, T0)
    assert report.errors[0][1].startswith("rsshub:// routes need")  # type: ignore[attr-defined]


def test_the_access_key_is_scrubbed_from_log_lines(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, rsshub_base_url="https://hub.example", rsshub_access_key=KEY)
    redactor = settings_redactor(settings)
    line = redactor.scrub(f"GET https://hub.example/caixin/latest?key={KEY} failed")
    assert KEY not in line and "<rsshub-key>" in line
    assert KEY not in repr(settings) and KEY not in str(settings.model_dump())


def test_rsshub_base_url_must_be_http_without_a_key(tmp_path: Path) -> None:
    from pydantic import ValidationError

    assert make_settings(
        tmp_path, rsshub_base_url=" https://a.example/ ,https://b.example"
    ).rsshub_base_url == ("https://a.example", "https://b.example")
    for bad in ("ftp://a.example", "https://a.example/?key=x", "a.example"):
        with pytest.raises(ValidationError, match="RSSHub instance|access key"):
            make_settings(tmp_path, rsshub_base_url=bad)


async def test_a_plain_feed_ttl_sets_the_next_poll(
    server: LocalServer, store: Store, tmp_path: Path, topics: tuple[Topic, ...]
) -> None:
    server.route(
        "/ttl.xml",
        Reply(200, full_text_rss("/ttl", [2], ttl=180), {"Content-Type": "application/rss+xml"}),
    )
    settings = make_settings(tmp_path, feeds=(server.url("/ttl.xml"),))
    report, feeds = await _poll(store, settings, topics, T0)
    record = await feeds.get(server.url("/ttl.xml"))
    assert record is not None and record.next_poll_at == T0 + timedelta(hours=3)
    # Not due an interval later; due once the ttl has passed.
    again, _ = await _poll(store, settings, topics, T0 + timedelta(minutes=31))
    assert again.not_due == [server.url("/ttl.xml")]  # type: ignore[attr-defined]
    later, _ = await _poll(store, settings, topics, T0 + timedelta(hours=3))
    assert later.polled == [server.url("/ttl.xml")]  # type: ignore[attr-defined]


async def test_fetches_to_one_host_are_spaced_out(
    server: LocalServer,
    store: Store,
    tmp_path: Path,
    topics: tuple[Topic, ...],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # When each fetch was let go, on the poll's side: the server's arrival times also carry
    # how long each request took to get there, which on a loaded machine can be longer for one
    # than the next and shrink a gap the poll kept.
    let_go: list[float] = []
    turn = HostSpacing.turn

    async def recorded_turn(self: HostSpacing, host: str) -> None:
        await turn(self, host)
        let_go.append(time.monotonic())

    monkeypatch.setattr(HostSpacing, "turn", recorded_turn)
    urls = []
    for number in range(3):
        body = full_text_rss(f"/f{number}", [number])
        server.route(f"/f{number}.xml", Reply(200, body, {"Content-Type": "application/rss+xml"}))
        urls.append(server.url(f"/f{number}.xml"))
    settings = make_settings(tmp_path, feeds=tuple(urls), feed_host_spacing_seconds=0.3)
    report, _ = await _poll(store, settings, topics, T0)
    assert len(report.polled) == 3  # type: ignore[attr-defined]
    assert [server.hits(f"/f{number}.xml") for number in range(3)] == [1, 1, 1]
    gaps = [b - a for a, b in zip(let_go, let_go[1:], strict=False)]
    assert len(gaps) == 2 and all(gap >= 0.29 for gap in gaps), gaps


async def test_host_spacing_does_not_hold_other_hosts() -> None:
    sleeps = NoSleep()
    clock = iter([0.0, 0.0, 0.1, 0.1, 0.2]).__next__
    spacing = HostSpacing(1.0, sleep=sleeps, clock=clock)
    await spacing.turn("a.example")
    await spacing.turn("a.example")
    await spacing.turn("b.example")
    assert sleeps.delays == [pytest.approx(1.0)]
