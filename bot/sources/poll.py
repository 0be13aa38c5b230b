"""One round of feed polling: every due feed fetched conditionally, its new entries stored.

Plain async code with the time passed in, so tests drive it with their own clock; the job
queue (bot.sources.jobs) only calls it on a schedule. The entries go to the sink it is given
(bot.ingest's pipeline and writer), like every other source's documents. When each feed is
due, how failures back off and how fetches to one host are spaced: bot.sources.cadence.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.sources import cadence
from bot.sources.documents import DocumentSink, IngestReport
from bot.sources.feed_store import FAILING_AFTER, FeedRecord, FeedStore
from bot.sources.web import SourceOutcome, WebSource

log = logging.getLogger(__name__)

FEED_CONCURRENCY = 4


@dataclass
class FeedResult:
    """What one feed gave in a round: articles added, duplicates, refused items, or an error."""

    url: str
    added: int = 0
    duplicates: int = 0
    refused: int = 0
    not_modified: bool = False
    error: str | None = None
    next_poll_at: datetime | None = None


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
    # Feeds disabled in this round after failing for FEED_DISABLE_DAYS (admins are told once).
    newly_disabled: list[tuple[str, str]] = field(default_factory=list)
    # Entries left for the next round because of the page-fetch cap.
    deferred: int = 0
    articles: IngestReport = field(default_factory=IngestReport)
    # Per polled feed, what it gave (python -m bot feeds poll --once prints it).
    results: list[FeedResult] = field(default_factory=list)

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
    """Never polled, or its next poll (interval, server freshness, backoff) has come."""
    return cadence.is_due(
        now=now, base=interval, last_polled_at=feed.last_polled_at, next_poll_at=feed.next_poll_at
    )


@dataclass(frozen=True)
class PollPolicy:
    """How a round treats feeds: the base interval, when failing feeds are disabled, spacing."""

    interval: timedelta
    disable_after: timedelta = timedelta(days=7)
    spacing: cadence.HostSpacing | None = None


async def poll_feeds_once(
    registry: FeedStore,
    web: WebSource,
    sink: DocumentSink,
    *,
    configured: tuple[str, ...],
    now: datetime,
    interval: timedelta,
    policy: PollPolicy | None = None,
) -> PollReport:
    """Poll every due feed once (``configured`` feeds, from FEEDS, are registered first)."""
    policy = policy or PollPolicy(interval=interval)
    await registry.ensure(configured)
    report = PollReport(articles=sink.report)
    due: list[FeedRecord] = []
    for feed in await registry.polled():
        if is_due(feed, now=now, interval=policy.interval):
            due.append(feed)
        else:
            report.not_due.append(feed.url)
    gate = asyncio.Semaphore(FEED_CONCURRENCY)

    async def one(feed: FeedRecord) -> None:
        if policy.spacing is not None:
            await policy.spacing.turn(cadence.host_key(feed.url))
        before = _counts(sink.report)
        async with gate:
            outcome = await web.read(
                feed.url, sink, etag=feed.etag, last_modified=feed.last_modified, feed_only=True
            )
        result = _result(feed.url, outcome, before, _counts(sink.report))
        report.results.append(result)
        await _record(registry, feed, outcome, now=now, report=report, policy=policy, result=result)

    await asyncio.gather(*(one(feed) for feed in due))
    order = {feed.url: n for n, feed in enumerate(due)}
    report.results.sort(key=lambda result: order[result.url])
    return report


def _counts(report: IngestReport) -> tuple[int, int, int]:
    return report.added, report.duplicates, len(report.refused)


def _result(
    url: str, outcome: SourceOutcome, before: tuple[int, int, int], after: tuple[int, int, int]
) -> FeedResult:
    # Feeds of one round share the sink's report; the difference is this feed's share, close
    # enough while several feeds are read at once (it is a report, not an account).
    added, duplicates, refused = (b - a for a, b in zip(before, after, strict=True))
    return FeedResult(
        url=url,
        added=max(added, 0),
        duplicates=max(duplicates, 0),
        refused=max(refused, 0),
        not_modified=outcome.not_modified,
        error=outcome.error,
    )


async def _record(
    registry: FeedStore,
    feed: FeedRecord,
    outcome: SourceOutcome,
    *,
    now: datetime,
    report: PollReport,
    policy: PollPolicy,
    result: FeedResult,
) -> None:
    report.polled.append(feed.url)
    report.deferred += outcome.deferred
    if outcome.error is not None:
        log.warning("feed %s failed: %s", feed.url, outcome.error)
        report.errors.append((feed.url, outcome.error))
        wait = cadence.interval_after_failure(policy.interval, feed.failures + 1)
        result.next_poll_at = now + wait
        after = await registry.record_failure(
            feed.url,
            at=now,
            error=outcome.error,
            next_poll_at=now + wait,
            interval_seconds=int(wait.total_seconds()),
        )
        if after is not None and after.failing and not feed.failing:
            report.newly_failing.append((feed.url, outcome.error))
        too_long = after is not None and _failed_too_long(after, now, policy)
        if too_long and await registry.disable(feed.url, at=now):
            log.warning("feed %s disabled after failing for days", feed.url)
            report.newly_disabled.append((feed.url, outcome.error))
        return
    if outcome.not_modified:
        report.not_modified.append(feed.url)
    wait = cadence.interval_after_read(policy.interval, outcome.fresh_seconds)
    result.next_poll_at = now + wait
    before = await registry.record_success(
        feed.url,
        at=now,
        etag=outcome.etag,
        last_modified=outcome.last_modified,
        next_poll_at=now + wait,
        interval_seconds=int(wait.total_seconds()),
        last_entry_at=outcome.newest_entry_at,
    )
    if before is not None and before.failing:
        report.recovered.append(feed.url)


def _failed_too_long(feed: FeedRecord, now: datetime, policy: PollPolicy) -> bool:
    return (
        feed.failures >= FAILING_AFTER
        and feed.first_failed_at is not None
        and now - feed.first_failed_at >= policy.disable_after
    )
