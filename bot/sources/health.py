"""Each polled feed's health, for /feeds and ``python -m bot feeds list``.

Last success, last error, failures in a row, articles in the last 7 days, the poll interval in
force (backoff and the feed's own ttl included), how many chats follow it, and one state word.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.sources.cadence import is_stale
from bot.sources.feed_store import FeedRecord, FeedStore

FeedState = Literal["ok", "never", "errors", "failing", "disabled", "stale"]
RECENT = timedelta(days=7)


@dataclass(frozen=True)
class FeedHealth:
    """One feed's health row."""

    feed: FeedRecord
    state: FeedState
    followers: int
    recent_items: int
    interval: timedelta
    configured: bool = False

    @property
    def name(self) -> str:
        """The feed's title, else its URL."""
        return self.feed.title or self.feed.url


def feed_state(feed: FeedRecord, now: datetime) -> FeedState:
    """One word for a feed's health."""
    if feed.disabled:
        return "disabled"
    if feed.failing:
        return "failing"
    if feed.failures:
        return "errors"
    if feed.last_ok_at is None:
        return "never"
    if is_stale(feed.last_entry_at, feed.last_ok_at, now):
        return "stale"
    return "ok"


async def feed_health(
    feeds: FeedStore, *, now: datetime, base: timedelta, configured: frozenset[str] = frozenset()
) -> list[FeedHealth]:
    """Every listed feed (the operator's and those chats follow) with its health."""
    records = await feeds.list()
    followers = await feeds.followers()
    recent = await feeds.items_since(now - RECENT)
    return [
        FeedHealth(
            feed=feed,
            state=feed_state(feed, now),
            followers=followers.get(feed.url, 0),
            recent_items=recent.get(feed.id, 0),
            interval=timedelta(seconds=feed.interval_seconds) if feed.interval_seconds else base,
            configured=feed.url in configured,
        )
        for feed in records
    ]


def interval_text(interval: timedelta) -> str:
    """'30m', '2h', '1d', '1h30m'."""
    minutes = int(interval.total_seconds() // 60)
    if minutes % 1440 == 0 and minutes:
        return f"{minutes // 1440}d"
    if minutes >= 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours}h" + (f"{rest}m" if rest else "")
    return f"{minutes}m"
