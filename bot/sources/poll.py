"""One round of feed polling: every due feed fetched conditionally, its new entries stored.

Plain async code with the time passed in, so tests drive it with their own clock; the job
queue (bot.sources.jobs) only calls it on a schedule.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from bot.config import Settings
from bot.sources.client import make_fetcher
from bot.sources.feed_store import FeedRecord, FeedStore
from bot.sources.fetch import Fetcher
from bot.sources.ingest import Ingestor, SourceOutcome
from bot.store.api import Store
from summaries.model import Topic

log = logging.getLogger(__name__)

FEED_CONCURRENCY = 4
# A feed is due a little before a full interval has passed, so that the job's own timing
# jitter never makes it skip a whole round.
DUE_FRACTION = 0.9


@dataclass
class PollReport:
    """What one polling round did."""

    polled: list[str] = field(default_factory=list)
    not_due: list[str] = field(default_factory=list)
    not_modified: list[str] = field(default_factory=list)
    added: int = 0
    duplicates: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    # Feeds marked failing in this round, and feeds that were failing and read fine again.
    newly_failing: list[tuple[str, str]] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    # Items of readable feeds that could not be stored (e.g. a linked page answered 404).
    refused_items: list[tuple[str, str]] = field(default_factory=list)


def is_due(feed: FeedRecord, *, now: datetime, interval: timedelta) -> bool:
    """Never polled, or polled at least (most of) an interval ago."""
    return feed.last_polled_at is None or now - feed.last_polled_at >= interval * DUE_FRACTION


async def poll_feeds_once(
    store: Store,
    client: httpx.AsyncClient,
    *,
    settings: Settings,
    topics: Sequence[Topic],
    now: datetime,
    fetcher: Fetcher | None = None,
    feed_store: FeedStore | None = None,
) -> PollReport:
    """Poll every due feed once (configured FEEDS are registered first)."""
    registry = feed_store or await FeedStore.open(store)  # type: ignore[arg-type]
    await registry.ensure(settings.feeds)
    interval = timedelta(minutes=settings.feed_poll_minutes)
    report = PollReport()
    due: list[FeedRecord] = []
    for feed in await registry.list():
        if is_due(feed, now=now, interval=interval):
            due.append(feed)
        else:
            report.not_due.append(feed.url)
    if not due:
        return report
    ingestor = await Ingestor.open(
        store, fetcher or make_fetcher(client, settings), settings=settings, topics=topics
    )
    gate = asyncio.Semaphore(FEED_CONCURRENCY)

    async def one(feed: FeedRecord) -> None:
        async with gate:
            outcome = await ingestor.ingest(
                feed.url, etag=feed.etag, last_modified=feed.last_modified, feed_only=True
            )
        await _record(registry, feed, outcome, now=now, report=report)

    await asyncio.gather(*(one(feed) for feed in due))
    return report


async def _record(
    registry: FeedStore,
    feed: FeedRecord,
    outcome: SourceOutcome,
    *,
    now: datetime,
    report: PollReport,
) -> None:
    report.polled.append(feed.url)
    report.added += outcome.added
    report.duplicates += outcome.duplicates
    report.refused_items.extend(outcome.refused)
    if outcome.error is not None:
        log.warning("feed %s failed: %s", feed.url, outcome.error)
        report.errors.append((feed.url, outcome.error))
        after = await registry.record_failure(feed.url, at=now, error=outcome.error)
        if after is not None and after.failing and not feed.failing:
            report.newly_failing.append((feed.url, outcome.error))
        return
    if outcome.not_modified:
        report.not_modified.append(feed.url)
    before = await registry.record_success(
        feed.url, at=now, etag=outcome.etag, last_modified=outcome.last_modified
    )
    if before is not None and before.failing:
        report.recovered.append(feed.url)
