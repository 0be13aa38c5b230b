"""The repeating job that polls feeds through python-telegram-bot's JobQueue.

python-telegram-bot's ``Application.stop`` waits for running jobs to finish, and a round over
many feeds can take minutes; so the round runs as its own task that is cancelled as soon as
the application stops running (checked every ``STOP_CHECK_SECONDS``).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram.ext import Application, ContextTypes

from bot.config import Settings
from bot.sources.poll import PollReport

log = logging.getLogger(__name__)

NotifyAdmins = Callable[[str], Awaitable[None]]
# One polling round at the given time (bot.ingest.Ingestor.poll_feeds).
PollRound = Callable[[datetime], Awaitable[PollReport]]
JOB_NAME = "feed-poll"
# The first round starts shortly after start-up, not a whole interval later.
FIRST_POLL_SECONDS = 15
STOP_CHECK_SECONDS = 0.25


async def run_until_stopped(
    work: Awaitable[PollReport], running: Callable[[], bool]
) -> PollReport | None:
    """Await ``work``, cancelling it once ``running()`` turns false; None when cancelled.

    Work started while ``running()`` was already false (a job run by hand) is not cancelled.
    """
    task = asyncio.ensure_future(work)
    watch = running()
    try:
        while not task.done():
            await asyncio.wait({task}, timeout=STOP_CHECK_SECONDS)
            if watch and not task.done() and not running():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                return None
        return task.result()
    finally:
        # Our own cancellation (the job cancelled from outside) must not leave the round behind.
        if not task.done():
            task.cancel()


def admin_messages(report: PollReport) -> list[str]:
    """HTML-escaped notices for feeds that just started failing or just recovered."""
    messages = [
        f"⚠️ 订阅源连续失败，已标记 / feed marked failing: {html.escape(url)}\n{html.escape(reason)}"
        for url, reason in report.newly_failing
    ]
    messages += [
        f"⛔ 订阅源长期失败，已停用 / feed disabled after failing for days: {html.escape(url)}\n"
        f"{html.escape(reason)}"
        for url, reason in report.newly_disabled
    ]
    messages += [
        f"✅ 订阅源已恢复 / feed recovered: {html.escape(url)}" for url in report.recovered
    ]
    return messages


def install_feed_poll_job(
    application: Application[Any, Any, Any, Any, Any, Any],
    *,
    settings: Settings,
    poll_round: PollRound,
    notify_admins: NotifyAdmins,
) -> None:
    """Poll every feed each FEED_POLL_MINUTES; failing and recovered feeds go to admins."""
    if application.job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")

    async def poll(_context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            report = await run_until_stopped(
                poll_round(datetime.now(UTC)), lambda: application.running
            )
        except Exception:
            # One bad round must not kill the schedule; the next one tries again.
            log.exception("feed poll failed")
            return
        if report is None:
            log.info("feed poll stopped: the bot is shutting down")
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
