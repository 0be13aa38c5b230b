"""One round of feed polling: every due feed fetched conditionally, its new entries stored.

Plain async code with the time passed in, so tests drive it with their own clock; the job
queue (bot.sources.jobs) only calls it on a schedule. The entries go to the sink it is given
(bot.ingest's pipeline and writer), like every other source's documents.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.sources.documents import DocumentSink, IngestReport
from bot.sources.feed_store import FeedRecord, FeedStore
from bot.sources.web import SourceOutcome, WebSource

log = logging.getLogger(__name__)

FEED_CONCURRENCY = 4
# A feed is due a little before a full interval has passed, so that the job's own timing
# jitter never makes it skip a whole round.
DUE_FRACTION = 0.9


@dataclass
class PollReport:
    """What one polling round did; ``articles`` is the round's ingest report."""

    polled: list[str] = field(default_factory=list)
    not_due: list[str] = field(default_factory=list)
    not_modified: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    # Feeds marked failing in this round, and feeds that were failing and read fine again.
    newly_failing: list[tuple[str, str]] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    # Entries left for the next round because of the page-fetch cap.
    deferred: int = 0
    articles: IngestReport = field(default_factory=IngestReport)

    @property
    def added(self) -> int:
        """Articles stored in this round."""
        return self.articles.added

    @property
    def duplicates(self) -> int:
        """Entries already stored (same URL, same text, or nearly the same text)."""
        return self.articles.duplicates

    @property
    def refused_items(self) -> list[tuple[str, str]]:
        """Items of readable feeds that could not be stored (e.g. a linked page answered 404)."""
        return self.articles.refused


def is_due(feed: FeedRecord, *, now: datetime, interval: timedelta) -> bool:
    """Never polled, or polled at least (most of) an interval ago."""
    return feed.last_polled_at is None or now - feed.last_polled_at >= interval * DUE_FRACTION


async def poll_feeds_once(
    registry: FeedStore,
    web: WebSource,
    sink: DocumentSink,
    *,
    configured: tuple[str, ...],
    now: datetime,
    interval: timedelta,
) -> PollReport:
    """Poll every due feed once (``configured`` feeds, from FEEDS, are registered first)."""
    await registry.ensure(configured)
    report = PollReport(articles=sink.report)
    due: list[FeedRecord] = []
    for feed in await registry.list():
        if is_due(feed, now=now, interval=interval):
            due.append(feed)
        else:
            report.not_due.append(feed.url)
    gate = asyncio.Semaphore(FEED_CONCURRENCY)

    async def one(feed: FeedRecord) -> None:
        async with gate:
            outcome = await web.read(
                feed.url, sink, etag=feed.etag, last_modified=feed.last_modified, feed_only=True
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
    report.deferred += outcome.deferred
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
