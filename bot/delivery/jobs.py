"""Wiring the push into the running bot: one repeating job, whatever the number of chats."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from telegram.ext import Application, CallbackContext

from bot.config import Settings
from bot.delivery.push import PushConfig, Pusher, PushStore
from bot.delivery.schedule import utc_now
from summaries.model import Topic

log = logging.getLogger(__name__)

# The first tick runs this soon after start: it is also the catch-up after downtime.
FIRST_TICK_AFTER_SECONDS = 5.0
JOB_NAME = "daily-push"


def push_config_concurrency(rate_per_second: float) -> int:
    """Sends in flight for a rate: enough to fill it at Telegram's latency, and few."""
    return max(4, min(64, int(rate_per_second)))


def push_config(settings: Settings) -> PushConfig:
    """The push's knobs from the settings."""
    rate = settings.send_rate_per_second
    return PushConfig(
        rate_per_second=rate,
        max_articles=settings.digest_max_articles,
        # Enough in flight to fill the rate; a batch is a few seconds of sending.
        concurrency=push_config_concurrency(rate),
        batch_size=max(50, min(5000, int(rate * 5))),
        lease_seconds=settings.delivery_lease_seconds,
    )


def make_pusher(
    *, settings: Settings, store: PushStore, bot: Any, topics: Sequence[Topic]
) -> Pusher:
    """A Pusher on the real clock."""
    return Pusher(
        store=store,
        bot=bot,
        topics=topics,
        config=push_config(settings),
        clock=utc_now,
        sleep=asyncio.sleep,
    )


def install_push_job(
    application: Application[Any, Any, Any, Any, Any, Any],
    *,
    settings: Settings,
    store: PushStore,
    topics: Sequence[Topic],
) -> None:
    """Register the one repeating push job (every DIGEST_TICK_SECONDS) on the job queue."""
    if application.job_queue is None:
        raise RuntimeError("the push needs python-telegram-bot[job-queue]")
    pusher = make_pusher(settings=settings, store=store, bot=application.bot, topics=topics)

    async def push_tick(_context: CallbackContext[Any, Any, Any, Any]) -> None:
        """One tick; a tick still running (a big push) makes the next one a no-op."""
        if pusher.busy:
            return
        try:
            report = await pusher.tick()
        except Exception:  # the job keeps repeating; the next tick retries
            log.exception("push tick failed")
            return
        if report.outcomes or report.store_outages:
            log.info("push tick: %s", report.summary())
        if report.store_error:
            # One line, no traceback: the next tick writes what was kept and goes on.
            log.error("push tick stopped early: %s", report.store_error)

    application.job_queue.run_repeating(
        push_tick,
        interval=settings.digest_tick_seconds,
        first=FIRST_TICK_AFTER_SECONDS,
        name=JOB_NAME,
        job_kwargs={"max_instances": 1, "coalesce": True},
    )
