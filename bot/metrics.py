"""Every metric the bot exports, in one place (Prometheus, served on METRICS_PORT at /metrics).

Other modules count by calling these objects, e.g. ``metrics.ingest_articles.labels(
source="feed", outcome="added").inc(3)`` or ``with metrics.search_seconds.time(): ...``.
docs/operations.md says what each one means. They live in prometheus_client's default
registry: one process is one bot.

Bot API calls are counted where they are sent (bot.connect.BotApiRequest). Whether a message
is a reply or part of the push is told by ``sending_for``: the push job runs inside
``sending_for("push")``, and every request made within it (tasks it starts included, as they
copy the context) counts as a push message.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from prometheus_client import Counter, Gauge, Histogram

# -- the Telegram face ------------------------------------------------------------------------
updates_handled = Counter(
    "wenzhai_updates_total", "Updates received from Telegram, by kind", ["kind"]
)
replies_sent = Counter(
    "wenzhai_replies_sent_total",
    "Bot API calls that answered a user (messages, edits, callback and inline answers)",
    ["method"],
)
replies_failed = Counter(
    "wenzhai_replies_failed_total",
    "Bot API calls answering a user that failed (error status or network failure)",
    ["method"],
)

# -- the push -----------------------------------------------------------------------------------
push_messages_sent = Counter("wenzhai_push_messages_sent_total", "Digest messages sent")
push_messages_failed = Counter(
    "wenzhai_push_messages_failed_total",
    "Digest messages refused by Telegram (other than 429) or lost on the network",
)
push_rate_limited = Counter(
    "wenzhai_push_rate_limited_total", "Digest messages answered 429 Too Many Requests"
)
push_tick_seconds = Histogram(
    "wenzhai_push_tick_seconds",
    "Duration of one push tick",
    buckets=(0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
)
push_last_tick = Gauge(
    "wenzhai_push_last_tick_timestamp_seconds", "Unix time when the last push tick ended"
)

# -- articles and feeds ---------------------------------------------------------------------
ingest_articles = Counter(
    "wenzhai_ingest_articles_total",
    "Articles offered to the store, by source kind and outcome (added, duplicate, refused)",
    ["source", "outcome"],
)
feed_failures = Counter(
    "wenzhai_feed_failures_total", "Feed polls that failed, by feed host", ["host"]
)

# -- search and the store ---------------------------------------------------------------------
search_seconds = Histogram(
    "wenzhai_search_seconds",
    "Time to answer one search (store query and ranking)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
database_errors = Counter(
    "wenzhai_database_errors_total", "Database operations that failed, by operation", ["operation"]
)


def count_ingest(source: str, *, added: int, duplicates: int, refused: int) -> None:
    """Count one ingest run's articles under its source kind (file, web or feed)."""
    for outcome, count in (("added", added), ("duplicate", duplicates), ("refused", refused)):
        if count:
            ingest_articles.labels(source=source, outcome=outcome).inc(count)


def count_feed_failure(url: str) -> None:
    """Count a failed feed poll under the feed's host."""
    feed_failures.labels(host=urlsplit(url).hostname or "unknown").inc()


# Methods that answer a user or send a digest (everything else, getUpdates included, is not
# a message and is not counted).
SENDING_METHODS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "answerCallbackQuery",
        "answerInlineQuery",
        "sendDocument",
        "sendPhoto",
        "copyMessage",
        "forwardMessage",
    }
)

_purpose: contextvars.ContextVar[str] = contextvars.ContextVar("wenzhai_purpose", default="reply")


@contextmanager
def sending_for(purpose: str) -> Iterator[None]:
    """Bot API calls made inside count as ``purpose`` ("push" or "reply")."""
    token = _purpose.set(purpose)
    try:
        yield
    finally:
        _purpose.reset(token)


def count_api_answer(method: str, status: int | None) -> None:
    """Count one Bot API answer (``status`` None: the request failed on the network)."""
    if method not in SENDING_METHODS:
        return
    if _purpose.get() == "push":
        if status == 200:
            push_messages_sent.inc()
        elif status == 429:
            push_rate_limited.inc()
        else:
            push_messages_failed.inc()
    elif status == 200:
        replies_sent.labels(method=method).inc()
    else:
        replies_failed.labels(method=method).inc()


def count_update(update: Any) -> None:
    """Count one update by its kind (the name of its one filled field: message, ...)."""
    from telegram import Update

    kind = next((k for k in Update.ALL_TYPES if getattr(update, k, None) is not None), "other")
    updates_handled.labels(kind=kind).inc()


class PushHeartbeat:
    """When the push job last finished a tick, for /healthz."""

    def __init__(self, interval_seconds: float, *, clock: Callable[[], float] = time.time):
        self.interval_seconds = interval_seconds
        self.last_tick: float | None = None
        self._clock = clock

    def beat(self) -> None:
        """A tick just ended."""
        self.last_tick = self._clock()
        push_last_tick.set(self.last_tick)

    def stale_reason(self, *, ticks: float = 3, slack: float = 30) -> str | None:
        """None while ticks run on time; else why not (none yet, or the last one is old)."""
        if self.last_tick is None:
            return "no push tick has run yet"
        age = self._clock() - self.last_tick
        if age > ticks * self.interval_seconds + slack:
            return f"last push tick ended {age:.0f} s ago"
        return None


JobCallback = Callable[[Any], Awaitable[Any]]


def timed_push_job(callback: JobCallback, heartbeat: PushHeartbeat) -> JobCallback:
    """The push job's callback, timed, beating ``heartbeat``, its sends counted as push."""

    async def tick(context: Any) -> Any:
        started = time.perf_counter()
        try:
            with sending_for("push"):
                return await callback(context)
        finally:
            push_tick_seconds.observe(time.perf_counter() - started)
            heartbeat.beat()

    return tick
