"""Processes: a worker killed mid-push and restarted; two workers racing on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path

import pytest
from telegram import Bot

from bot.delivery.push import PushConfig, Pusher
from bot.ingest import open_store
from bot.store.records import NewArticle
from bot.store.sql_store import SqlStore
from summaries.model import Topic
from tests.botapi.server import BotApiEmulator
from tests.delivery.conftest import REPO, FakeClock, add_chat

pytestmark = pytest.mark.slow


async def populate(url: str, articles: Sequence[NewArticle], chat_ids: Sequence[int]) -> None:
    """Articles and chats due all day (UTC, 00:00), each subscribed to a topic."""
    store = await open_store(url)
    gate = asyncio.Semaphore(8)  # a few at once: PostgreSQL commits overlap

    async def one(chat_id: int) -> None:
        async with gate:
            await add_chat(store, chat_id, timezone="UTC", at=clock_time(0, 0))

    try:
        await store.add_articles(articles)
        await asyncio.gather(*(one(chat_id) for chat_id in chat_ids))
    finally:
        await store.close()


async def start_worker(url: str, emu: BotApiEmulator, *extra: str) -> asyncio.subprocess.Process:
    """A worker process: one tick against the emulator (``--barrier``: on the word "go")."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.delivery.worker",
        "--database",
        url,
        "--base-url",
        emu.base_url,
        "--token",
        emu.token,
        *extra,
        cwd=REPO,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def release_together(workers: Sequence[asyncio.subprocess.Process]) -> None:
    """Wait until every worker reported ready (store open, bot up), then tell all to go."""
    for worker in workers:
        assert worker.stdout is not None
        line = await asyncio.wait_for(worker.stdout.readline(), 60)
        assert line.strip() == b"ready", line
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write(b"go\n")
    await asyncio.gather(*(w.stdin.drain() for w in workers if w.stdin is not None))


async def finish(proc: asyncio.subprocess.Process, limit: float = 60) -> dict[str, int]:
    out, err = await asyncio.wait_for(proc.communicate(), limit)
    assert proc.returncode == 0, err.decode()[-2000:]
    return dict(json.loads(out.decode().strip().splitlines()[-1]))


async def kill_mid_push_then_restart(
    url: str, emu: BotApiEmulator, chat_ids: Sequence[int], *, kill_after: int
) -> tuple[int, dict[str, int]]:
    """Start a worker, SIGKILL it once ``kill_after`` digests went out (no cleanup, claims left
    behind), restart one that takes the dead claims over at once (lease 0: no one else runs),
    and check that every chat got its digest and at most one got two (the one in flight at the
    kill). Returns the number sent at the kill and the restarted worker's outcomes."""
    first = await start_worker(url, emu, "--rate", "400", "--concurrency", "1")
    await emu.wait_for(
        lambda: emu.sent_count >= kill_after or None, timeout=60, what=f"{kill_after} sent"
    )
    first.kill()
    await first.wait()
    at_kill = emu.sent_count
    assert kill_after <= at_kill < len(chat_ids), "the kill must land mid-push"
    second = await start_worker(url, emu, "--rate", "1000", "--lease", "0")
    outcomes = await finish(second)
    counts = emu.sent_per_chat
    assert set(counts) == set(chat_ids), "nothing lost"
    doubled = [c for c in chat_ids if counts[c] > 1]
    assert len(doubled) <= 1 and all(counts[c] <= 2 for c in chat_ids), doubled
    assert outcomes.get("sent", 0) == len(chat_ids) - at_kill + len(doubled)
    assert emu.rejections == []
    return at_kill, outcomes


async def statuses(url: str) -> dict[str, int]:
    store = await open_store(url)
    try:
        return await store.deliveries.count_by_status()
    finally:
        await store.close()


async def test_worker_killed_mid_push_then_restarted(
    tmp_path: Path, articles: list[NewArticle]
) -> None:
    """SIGKILL halfway through 500 chats; the restart finishes: one digest each, bar one."""
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    chat_ids = list(range(10_001, 10_501))
    await populate(url, articles, chat_ids)
    async with BotApiEmulator() as emu:
        await kill_mid_push_then_restart(url, emu, chat_ids, kill_after=200)
    assert await statuses(url) == {"sent": len(chat_ids)}


@pytest.mark.postgres
async def test_two_workers_on_postgresql_never_double(
    pg_url: str, articles: list[NewArticle]
) -> None:
    """Two processes push 1,000 chats at the same moment: each chat exactly once."""
    chat_ids = list(range(20_001, 21_001))
    await populate(pg_url, articles, chat_ids)
    async with BotApiEmulator(record=False) as emu:
        common = ("--rate", "300", "--concurrency", "8", "--batch", "50", "--barrier")
        workers = [await start_worker(pg_url, emu, *common) for _ in range(2)]
        await release_together(workers)
        results = [await finish(w, limit=90) for w in workers]
        counts = emu.sent_per_chat
        assert set(counts) == set(chat_ids), "nothing missed"
        assert max(counts.values()) == 1, "no chat got two digests"
    assert sum(r.get("sent", 0) for r in results) == len(chat_ids)
    assert all(r.get("sent", 0) > 0 for r in results), f"both workers took part: {results}"
    assert await statuses(pg_url) == {"sent": len(chat_ids)}


@pytest.mark.postgres
async def test_claims_race_in_one_loop_on_postgresql(
    pg_url: str, articles: list[NewArticle], topics: tuple[Topic, ...]
) -> None:
    """Three pushers on one database tick together, several times: 120 chats, one digest each."""
    chat_ids = list(range(30_001, 30_121))
    await populate(pg_url, articles, chat_ids)
    clock = FakeClock(datetime.now(UTC))
    stores: list[SqlStore] = [await open_store(pg_url) for _ in range(3)]
    try:
        emu = BotApiEmulator(record=False)
        async with emu, Bot(emu.token, base_url=emu.base_url) as bot:
            pushers = [
                Pusher(
                    store=store,
                    bot=bot,
                    topics=topics,
                    config=PushConfig(rate_per_second=5000, batch_size=7, concurrency=4),
                    clock=clock,
                    sleep=clock.sleep,
                    worker_id=f"w{n}",
                )
                for n, store in enumerate(stores)
            ]
            first = await asyncio.gather(*(p.tick() for p in pushers))
            again = await asyncio.gather(*(p.tick() for p in pushers))
            counts = emu.sent_per_chat
            assert set(counts) == set(chat_ids)
            assert max(counts.values()) == 1
            assert sum(r.sent for r in first) == len(chat_ids)
            assert sum(1 for r in first if r.sent) >= 2, "the pushers really raced"
            assert sum(r.sent for r in again) == 0
    finally:
        for store in stores:
            await store.close()
