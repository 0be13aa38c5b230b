"""Processes and the second digest of the day: a worker killed mid-push of the evening slot
and restarted; two workers racing for it on PostgreSQL. The morning slot was sent (article
set A); the evening digest must carry only what arrived since (B), once per chat."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.delivery.schedule import local_moment
from bot.ingest import open_store
from bot.store.deliveries import Cutoffs, SentMark
from bot.store.records import NewArticle
from tests.botapi.server import BotApiEmulator
from tests.delivery.conftest import add_chat
from tests.delivery.test_workers import (
    finish,
    kill_mid_push_then_restart,
    release_together,
    start_worker,
    statuses,
)

pytestmark = pytest.mark.slow

MORNING, EVENING = time(0, 0), time(6, 0)


def noon_zone(now: datetime) -> str:
    """A fixed-offset zone where it is about noon now: the evening slot (06:00) is due and the
    local date does not change while the test runs."""
    offset = 12 - now.hour  # -11 .. 12
    if offset == 0:
        return "UTC"
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"  # POSIX signs are inverted


async def populate_after_morning(
    url: str, articles: Sequence[NewArticle], chat_ids: Sequence[int], zone: str
) -> set[int]:
    """Chats with two times; the morning digest (A) recorded as sent; then B arrives.
    Returns the ids of A."""
    morning, evening = articles[:2], articles[2:]
    store = await open_store(url)
    try:
        a_ids = {i for i in (await store.add_articles(morning)).added}
        for chat_id in chat_ids:
            await add_chat(store, chat_id, timezone=zone, topics=("volunteer", "party", "safety"))
            await store.set_digest_times(chat_id, [MORNING, EVENING])
        now = datetime.now(UTC)
        day = local_moment(now, zone).local_date
        cut = Cutoffs(now - timedelta(seconds=900), now, now, 5)
        claims = await store.deliveries.claim(
            chat_ids, local_date=day, worker="morning", now=now, cutoffs=cut
        )
        assert len(claims) == len(chat_ids) and {c.slot for c in claims} == {0}
        marks = [SentMark(c.delivery_id, tuple(sorted(a_ids)), (1,)) for c in claims]
        await store.deliveries.mark_sent_many(marks, worker="morning", now=now)
        assert (await store.add_articles(evening)).added
    finally:
        await store.close()
    return a_ids


def assert_only_b(emu: BotApiEmulator, articles: Sequence[NewArticle]) -> None:
    """Every evening digest holds all of B and nothing of A."""
    titles_a, titles_b = [a.title for a in articles[:2]], [a.title for a in articles[2:]]
    for message in emu.sent:
        assert all(title in message.text for title in titles_b), message.chat_id
        assert not any(title in message.text for title in titles_a), message.chat_id


async def test_worker_killed_mid_push_of_the_evening_slot_then_restarted(
    tmp_path: Path, articles: list[NewArticle]
) -> None:
    url = f"sqlite:///{tmp_path / 'slots-kill.db'}"
    chat_ids = list(range(40_001, 40_301))
    zone = noon_zone(datetime.now(UTC))
    a_ids = await populate_after_morning(url, articles, chat_ids, zone)
    async with BotApiEmulator() as emu:
        await kill_mid_push_then_restart(url, emu, chat_ids, kill_after=100)
        assert_only_b(emu, articles)
    assert await statuses(url) == {"sent": 2 * len(chat_ids)}
    store = await open_store(url)
    try:
        for chat_id in chat_ids[:20]:
            rows = await store.deliveries.all_for_chat(chat_id)
            assert [r.slot for r in rows] == [0, 1]
            assert not set(rows[1].article_ids) & a_ids
    finally:
        await store.close()


@pytest.mark.postgres
async def test_two_workers_claim_each_evening_slot_once(
    pg_url: str, articles: list[NewArticle]
) -> None:
    chat_ids = list(range(50_001, 50_401))
    zone = noon_zone(datetime.now(UTC))
    await populate_after_morning(pg_url, articles, chat_ids, zone)
    async with BotApiEmulator() as emu:
        common = ("--rate", "300", "--concurrency", "8", "--batch", "25", "--barrier")
        workers = [await start_worker(pg_url, emu, *common) for _ in range(2)]
        await release_together(workers)
        results = [await finish(w, limit=90) for w in workers]
        counts = emu.sent_per_chat
        assert set(counts) == set(chat_ids), "nothing missed"
        assert max(counts.values()) == 1, "no chat got two evening digests"
        assert_only_b(emu, articles)
    assert sum(r.get("sent", 0) for r in results) == len(chat_ids)
    assert all(r.get("sent", 0) > 0 for r in results), f"both workers took part: {results}"
    assert await statuses(pg_url) == {"sent": 2 * len(chat_ids)}
