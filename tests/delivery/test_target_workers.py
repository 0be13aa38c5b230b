"""Processes pushing to channels and forum topics: killed mid-push and restarted; two racing."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path

import pytest

from bot.ingest import open_store
from bot.store.records import NewArticle
from tests.botapi.server import BotApiEmulator
from tests.delivery.test_workers import (
    finish,
    kill_mid_push_then_restart,
    release_together,
    start_worker,
    statuses,
)

pytestmark = pytest.mark.slow

ADMIN = 5001
VALUES = {"language": "zh", "timezone": "UTC", "digest_time": "00:00"}


def channel_ids(count: int) -> list[int]:
    """Channel ids as Telegram gives them (-100 and ten digits)."""
    return [-1_001_000_000_000 - n for n in range(1, count + 1)]


async def populate(
    url: str, articles: Sequence[NewArticle], channels: Sequence[int], forums: dict[int, int]
) -> list[int]:
    """Channels linked by one admin and forum topics (``forums``: group id -> topic count),
    all due all day (UTC, 00:00) and following a topic; returns the topic rows' ids."""
    store = await open_store(url)
    now = datetime.now(UTC)
    try:
        await store.add_articles(articles)
        await store.ensure_chat(
            ADMIN, type="private", language="zh", timezone="UTC", digest_time=clock_time(8, 0)
        )
        await store.update_chat(ADMIN, paused=True)  # only the channels and topics are due
        for chat_id in channels:
            await store.targets.link(
                chat_id, ADMIN, type="channel", title=f"频道{chat_id}", values=VALUES, now=now
            )
            await store.add_subscription(chat_id, "topic", "volunteer")
        rows = []
        for group, topics in forums.items():
            # Thread ids as the emulator gives a fresh forum's topics (see ``register``).
            for thread in range(1, topics + 1):
                row = await store.targets.ensure_topic(
                    group, thread, values={"type": "supergroup", **VALUES}, now=now
                )
                await store.add_subscription(row.id, "topic", "volunteer")
                rows.append(row.id)
        return rows
    finally:
        await store.close()


def register(emu: BotApiEmulator, channels: Sequence[int], forums: dict[int, int]) -> None:
    for chat_id in channels:
        emu.add_channel(chat_id, f"频道{chat_id}", creator=ADMIN)
    for group, topics in forums.items():
        emu.make_forum(group)
        for _ in range(topics):
            emu.create_topic(group, "话题")


async def test_channels_worker_killed_mid_push_then_restarted(
    tmp_path: Path, articles: list[NewArticle]
) -> None:
    """SIGKILL halfway through 400 channels; the restart finishes: one post each, bar one."""
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    channels = channel_ids(400)
    await populate(url, articles, channels, {})
    async with BotApiEmulator() as emu:
        register(emu, channels, {})
        await kill_mid_push_then_restart(url, emu, channels, kill_after=150)
    assert await statuses(url) == {"sent": len(channels)}


@pytest.mark.postgres
async def test_two_workers_on_postgresql_channels_and_topics_once_each(
    pg_url: str, articles: list[NewArticle]
) -> None:
    """Two processes push 300 channels and 12 forum topics at once: each exactly once."""
    channels = channel_ids(300)
    forums = {-1_002_000_000_001: 4, -1_002_000_000_002: 4, -1_002_000_000_003: 4}
    topic_rows = await populate(pg_url, articles, channels, forums)
    async with BotApiEmulator() as emu:
        register(emu, channels, forums)
        common = ("--rate", "300", "--concurrency", "8", "--batch", "40", "--barrier")
        workers = [await start_worker(pg_url, emu, *common) for _ in range(2)]
        await release_together(workers)
        results = await asyncio.gather(*(finish(w, limit=120) for w in workers))
        places = Counter((m.chat_id, m.thread_id) for m in emu.sent)
        expected = {(c, None) for c in channels}
        expected |= {(g, t) for g, n in forums.items() for t in emu.topics[g]}
        assert set(places) == expected, "every channel and topic got its digest"
        assert max(places.values()) == 1, "none got two"
        assert emu.rejections == []
    assert sum(r.get("sent", 0) for r in results) == len(channels) + len(topic_rows)
    assert all(r.get("sent", 0) > 0 for r in results), f"both workers took part: {results}"
    assert await statuses(pg_url) == {"sent": len(channels) + len(topic_rows)}
