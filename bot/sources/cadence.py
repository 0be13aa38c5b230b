"""When a feed is polled next: the interval, the server's own freshness, backoff on failure.

- After a read, the next poll waits at least FEED_POLL_MINUTES, longer when the feed's
  ``<ttl>`` (minutes) or the answer's Cache-Control max-age (RSSHub's cache time) says nothing
  new can come sooner; never longer than a day.
- After a failure the wait doubles with each failure in a row (one interval, two, four ...),
  up to a day, so a dead feed costs a few requests a day, not one per round.
- A feed that has published nothing for STALE_AFTER is shown as stale.
Polls of one host are spaced out by ``HostSpacing`` (an RSSHub instance serves many routes).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from bot.sources.rsshub import is_route

MAX_INTERVAL = timedelta(days=1)
STALE_AFTER = timedelta(days=14)
# A feed is due a little before its time, so that the job's own timing jitter never makes it
# skip a whole round: this fraction of the base interval early.
EARLY_FRACTION = 0.1
_TTL = re.compile(rb"<(?:\w+:)?ttl>\s*(\d{1,7})\s*</(?:\w+:)?ttl>", re.IGNORECASE)
_TTL_WINDOW = 64 * 1024  # <ttl> belongs to the channel, before the items


def feed_ttl_seconds(body: bytes) -> int | None:
    """The RSS ``<ttl>`` of a feed in seconds (it is given in minutes), else None."""
    found = _TTL.search(body[:_TTL_WINDOW])
    return int(found.group(1)) * 60 if found else None


def interval_after_read(base: timedelta, server_seconds: int | None) -> timedelta:
    """The wait after a read: the base interval, or the server's freshness when longer."""
    wait = base
    if server_seconds is not None and server_seconds > 0:
        wait = max(base, timedelta(seconds=server_seconds))
    return min(wait, MAX_INTERVAL)


def interval_after_failure(base: timedelta, failures: int) -> timedelta:
    """The wait after the ``failures``-th failure in a row: doubling, at most a day."""
    doublings = min(max(failures - 1, 0), 16)
    return min(base * (2**doublings), MAX_INTERVAL)


def is_due(
    *,
    now: datetime,
    base: timedelta,
    last_polled_at: datetime | None,
    next_poll_at: datetime | None,
) -> bool:
    """Never polled, or its next poll has come (a little early allowed)."""
    if last_polled_at is None:
        return True
    early = base * EARLY_FRACTION
    if next_poll_at is not None:
        return now >= next_poll_at - early
    return now - last_polled_at >= base - early


def is_stale(last_entry_at: datetime | None, last_ok_at: datetime | None, now: datetime) -> bool:
    """Read fine, but its newest entry is older than STALE_AFTER."""
    return (
        last_ok_at is not None and last_entry_at is not None and now - last_entry_at > STALE_AFTER
    )


def host_key(url: str) -> str:
    """Which host a feed's fetch goes to: RSSHub routes share their instance."""
    if is_route(url):
        return "rsshub"
    return (urlsplit(url).hostname or url).lower()


class HostSpacing:
    """Starts fetches to one host at least ``seconds`` apart; other hosts are not held."""

    def __init__(
        self,
        seconds: float,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._seconds = seconds
        self._sleep = sleep
        self._clock = clock
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    async def turn(self, host: str) -> None:
        """Wait until a fetch to ``host`` may start."""
        if self._seconds <= 0:
            return
        lock = self._locks.setdefault(host, asyncio.Lock())
        async with lock:
            last = self._last.get(host)
            if last is not None:
                wait = last + self._seconds - self._now()
                if wait > 0:
                    await self._sleep(wait)
            self._last[host] = self._now()
