"""The repeating job that polls feeds through python-telegram-bot's JobQueue."""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram.ext import Application, ContextTypes

from bot.config import Settings
from bot.sources.client import make_client
from bot.sources.poll import PollReport, poll_feeds_once
from bot.store.api import Store
from summaries.model import Topic

log = logging.getLogger(__name__)

NotifyAdmins = Callable[[str], Awaitable[None]]
JOB_NAME = "feed-poll"
# The first round starts shortly after start-up, not a whole interval later.
FIRST_POLL_SECONDS = 15


def admin_messages(report: PollReport) -> list[str]:
    """HTML-escaped notices for feeds that just started failing or just recovered."""
    messages = [
        f"⚠️ 订阅源连续失败，已标记 / feed marked failing: {html.escape(url)}\n{html.escape(reason)}"
        for url, reason in report.newly_failing
    ]
    messages += [
        f"✅ 订阅源已恢复 / feed recovered: {html.escape(url)}" for url in report.recovered
    ]
    return messages


def install_feed_poll_job(
    application: Application[Any, Any, Any, Any, Any, Any],
    *,
    settings: Settings,
    store: Store,
    topics: Sequence[Topic],
    notify_admins: NotifyAdmins,
) -> None:
    """Poll every feed each FEED_POLL_MINUTES; failing and recovered feeds go to admins."""
    if application.job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")

    async def poll(_context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            async with make_client(settings) as client:
                report = await poll_feeds_once(
                    store, client, settings=settings, topics=topics, now=datetime.now(UTC)
                )
        except Exception:
            # One bad round must not kill the schedule; the next one tries again.
            log.exception("feed poll failed")
            return
        if report.polled:
            log.info(
                "feed poll: %d feeds, %d added, %d duplicates, %d unchanged, %d errors",
                len(report.polled),
                report.added,
                report.duplicates,
                len(report.not_modified),
                len(report.errors),
            )
        for message in admin_messages(report):
            await notify_admins(message)

    application.job_queue.run_repeating(
        poll,
        interval=timedelta(minutes=settings.feed_poll_minutes),
        first=FIRST_POLL_SECONDS,
        name=JOB_NAME,
        # A slow round is not run twice at once; a missed one is simply skipped.
        job_kwargs={"max_instances": 1, "coalesce": True},
    )
