"""Several digests a day: one delivery per (chat, local date, slot), each with what is new.

The push tests run on both backends (the ``store`` fixture) against the Bot API emulator.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, time, timedelta
from typing import Any

import pytest
from telegram import Bot

from bot.delivery.push import PushConfig, Pusher
from bot.store.deliveries import Cutoffs, SentMark
from bot.store.records import NewArticle
from bot.store.sql_store import SqlStore
from summaries.model import Topic
from tests.botapi.server import BotApiEmulator
from tests.delivery.conftest import FakeClock, add_chat, seed_articles
from tests.delivery.test_push import Rig, run_until, utc

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

DAY = date(2026, 3, 28)
MORNING, EVENING = time(8, 0), time(20, 0)  # Asia/Shanghai: 00:00 and 12:00 UTC
STEP = timedelta(minutes=5)


@pytest.fixture
async def rig(store: SqlStore, topics: tuple[Topic, ...]) -> AsyncIterator[Rig]:
    clock = FakeClock(utc(2026, 3, 27, 23, 0))
    emu = BotApiEmulator(clock=clock.timestamp, wall_clock=clock.timestamp)
    async with emu, Bot(emu.token, base_url=emu.base_url) as bot:
        yield Rig(store, emu, bot, clock, topics, store.deliveries)


async def two_slot_chat(store: SqlStore, chat_id: int, **kw: Any) -> None:
    await add_chat(store, chat_id, **kw)
    await store.set_digest_times(chat_id, [MORNING, EVENING])


def cutoffs_at(now: Any, lease_seconds: float = 900) -> Cutoffs:
    return Cutoffs(now - timedelta(seconds=lease_seconds), now, now, 5)


async def killed_at_the_second_part(dying: Pusher) -> None:
    """A tick of ``dying`` that stops at the second message it sends, as a killed worker
    would: the first part is out, the second never leaves."""
    original = dying.sender.send
    calls: list[int] = []
    hanging = asyncio.Event()

    async def dies_at_the_second_part(chat_id: int, text: str, thread_id: int | None = None) -> int:
        calls.append(chat_id)
        if len(calls) == 2:
            hanging.set()
            await asyncio.Event().wait()  # hangs until the tick is cancelled
        return await original(chat_id, text, thread_id)

    dying.sender.send = dies_at_the_second_part  # type: ignore[method-assign]
    task = asyncio.create_task(dying.tick())
    await asyncio.wait_for(hanging.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_morning_sends_a_evening_sends_only_b_that_arrived_since(
    rig: Rig, articles: list[NewArticle]
) -> None:
    early, late = articles[:2], articles[2:]
    await rig.store.add_articles(early)
    await two_slot_chat(rig.store, 1, topics=("volunteer", "party", "safety"))
    pusher = rig.pusher()
    await run_until(rig, pusher, utc(2026, 3, 28, 1, 0), STEP)
    (morning,) = rig.texts(1)
    assert all(a.title in morning for a in early)
    # B arrives mid-morning: nothing goes out before the evening time.
    rig.clock.set(utc(2026, 3, 28, 2, 0))
    assert (await rig.store.add_articles(late)).added
    await run_until(rig, pusher, utc(2026, 3, 28, 11, 55), STEP)
    assert len(rig.texts(1)) == 1
    await run_until(rig, pusher, utc(2026, 3, 28, 12, 30), STEP)
    assert len(rig.texts(1)) == 2
    evening = rig.texts(1)[1]
    assert all(a.title in evening for a in late)
    assert not any(a.title in evening for a in early)
    rows = await rig.log.all_for_chat(1)
    assert [(r.local_date, r.slot, r.status) for r in rows] == [(DAY, 0, "sent"), (DAY, 1, "sent")]
    assert not set(rows[0].article_ids) & set(rows[1].article_ids)
    # Newest first, as the digest selection orders them.
    picked = [await rig.store.get_article(i) for i in rows[1].article_ids]
    stamps = [a.published_at for a in picked if a is not None]
    assert len(stamps) == len(late) and stamps == sorted(stamps, reverse=True)
    # The next morning is slot 0 of the next date, with nothing new: no message.
    await run_until(rig, pusher, utc(2026, 3, 29, 0, 30), STEP)
    assert len(rig.texts(1)) == 2
    assert (await rig.log.get(1, DAY + timedelta(days=1))).status == "nothing_new"  # type: ignore[union-attr]


async def test_evening_with_nothing_new_records_nothing_new_then_sends_a_late_arrival(
    rig: Rig, articles: list[NewArticle]
) -> None:
    await rig.store.add_articles(articles[:3])
    await two_slot_chat(rig.store, 2, topics=("volunteer", "party"))
    pusher = rig.pusher()
    await run_until(rig, pusher, utc(2026, 3, 28, 12, 30), STEP)
    assert len(rig.texts(2)) == 1
    evening = await rig.log.get(2, DAY, 1)
    assert evening is not None and evening.status == "nothing_new" and evening.message_ids == ()
    morning = await rig.log.get(2, DAY, 0)
    assert morning is not None and morning.status == "sent"
    # As with one digest a day: the evening slot looks again once newer articles arrive.
    await rig.store.add_articles(articles[3:])
    await run_until(rig, pusher, utc(2026, 3, 28, 13, 0), STEP)
    assert len(rig.texts(2)) == 2
    assert articles[4].title in rig.texts(2)[1] and articles[0].title not in rig.texts(2)[1]
    assert (await rig.log.get(2, DAY, 1)).status == "sent"  # type: ignore[union-attr]
    assert (await rig.log.get(2, DAY, 0)).status == "sent"  # type: ignore[union-attr]


async def test_a_bot_down_all_day_sends_one_digest_for_the_latest_slot(
    rig: Rig, articles: list[NewArticle]
) -> None:
    await rig.store.add_articles(articles)
    await two_slot_chat(rig.store, 3)
    rig.clock.set(utc(2026, 3, 28, 13, 0))  # 21:00 in Shanghai: both times have passed
    pusher = rig.pusher()
    await run_until(rig, pusher, utc(2026, 3, 28, 14, 0), STEP)
    assert len(rig.texts(3)) == 1
    assert [(r.slot, r.status) for r in await rig.log.all_for_chat(3)] == [(1, "sent")]


async def test_restart_mid_push_of_the_second_slot_does_not_double(
    rig: Rig, articles: list[NewArticle], topics: tuple[Topic, ...]
) -> None:
    """A worker dies after the first part of the evening digest; another takes over its claim
    once the lease has run out and sends only the missing parts: none twice, no morning
    article again."""
    await rig.store.add_articles(articles)
    everything = [t.slug for t in topics]
    await two_slot_chat(rig.store, 4, topics=everything)
    lease = 60.0
    await run_until(rig, rig.pusher(lease_seconds=lease), utc(2026, 3, 28, 0, 10), STEP)
    morning_ids = set((await rig.log.get(4, DAY, 0)).article_ids)  # type: ignore[union-attr]
    assert len(rig.texts(4)) == 1 and morning_ids
    for tag in ("long-a", "long-b", "long-c", "long-d"):
        await rig.store.add_articles(
            seed_articles(topics, max_chars=2000, max_sentences=40, tag=tag)
        )
    rig.clock.set(utc(2026, 3, 28, 12, 0))
    await killed_at_the_second_part(rig.pusher(lease_seconds=lease, max_articles=20))
    held = await rig.log.get(4, DAY, 1)
    assert held is not None and held.status == "claimed" and len(held.message_ids) == 1
    assert len(rig.texts(4)) == 2
    # Within the lease nobody touches it; after it, a new worker finishes the digest.
    rig.clock.set(utc(2026, 3, 28, 12, 0) + timedelta(seconds=lease / 2))
    assert (await rig.pusher(lease_seconds=lease).tick()).outcomes == {}
    rig.clock.set(utc(2026, 3, 28, 12, 0) + timedelta(seconds=lease + 1))
    second = Pusher(
        store=rig.store,
        bot=rig.bot,
        topics=rig.topics,
        config=PushConfig(lease_seconds=lease, max_articles=20),
        clock=rig.clock,
        sleep=rig.clock.sleep,
        worker_id="restarted",
    )
    assert (await second.tick()).sent == 1
    evening = rig.texts(4)[1:]
    assert len(evening) >= 2 and len(set(evening)) == len(evening), "no part twice"
    row = await rig.log.get(4, DAY, 1)
    assert row is not None and row.status == "sent" and len(row.message_ids) == len(evening)
    assert not set(row.article_ids) & morning_ids
    # Nothing more that day.
    await run_until(rig, second, utc(2026, 3, 28, 13, 0), STEP)
    assert len(rig.texts(4)) == 1 + len(evening)


async def test_due_query_offers_each_chat_its_latest_slot(store: SqlStore) -> None:
    for chat_id in (11, 12, 13):
        await add_chat(store, chat_id)
    await store.set_digest_times(11, [time(8), time(12), time(20)])
    await store.set_digest_times(12, [time(7), time(21)])
    log = store.deliveries

    async def due(hhmm: str) -> list[tuple[int, int]]:
        now = utc(2026, 3, 28, 0)
        found = await log.due_chats(
            timezone="Asia/Shanghai", local_date=DAY, hhmm=hhmm, cutoffs=cutoffs_at(now)
        )
        return [(chat.chat_id, chat.slot) for chat in found]

    assert await due("06:59") == []
    assert await due("07:00") == [(12, 0)]
    assert await due("08:00") == [(12, 0), (11, 0), (13, 0)]
    assert await due("12:30") == [(12, 0), (11, 1), (13, 0)]
    assert await due("23:59") == [(12, 1), (11, 2), (13, 0)]
    # Keyset paging, as the push reads batches.
    now = utc(2026, 3, 28, 0)
    first = await log.due_chats(
        timezone="Asia/Shanghai", local_date=DAY, hhmm="23:59", cutoffs=cutoffs_at(now), limit=2
    )
    rest = await log.due_chats(
        timezone="Asia/Shanghai",
        local_date=DAY,
        hhmm="23:59",
        cutoffs=cutoffs_at(now),
        after=(first[-1].digest_time, first[-1].chat_id),
    )
    assert [(c.chat_id, c.slot) for c in first + rest] == await due("23:59")


async def test_a_live_claim_on_one_slot_holds_back_the_others(store: SqlStore) -> None:
    """Two slots of one chat are never in flight at once: both would pick the same articles."""
    await add_chat(store, 21)
    await store.set_digest_times(21, [MORNING, EVENING])
    log = store.deliveries
    late_morning = utc(2026, 3, 28, 11, 59)  # 19:59 in Shanghai: slot 0 is the due one
    (morning,) = await log.claim(
        [21], local_date=DAY, worker="a", now=late_morning, cutoffs=cutoffs_at(late_morning)
    )
    assert morning.slot == 0
    evening_at = utc(2026, 3, 28, 12, 1)
    cut = cutoffs_at(evening_at)
    due = await log.due_chats(timezone="Asia/Shanghai", local_date=DAY, hhmm="20:01", cutoffs=cut)
    assert due == []
    # Even a worker that decided before it saw the claim cannot take the evening slot.
    early = await log.claim(
        [21], local_date=DAY, worker="b", now=evening_at, cutoffs=cut, slots={21: 1}
    )
    assert early == []
    held = await log.mark_sent_many(
        [SentMark(morning.delivery_id, (7,), (70,))], worker="a", now=evening_at
    )
    assert held == {morning.delivery_id}
    (due_chat,) = await log.due_chats(
        timezone="Asia/Shanghai", local_date=DAY, hhmm="20:01", cutoffs=cut
    )
    assert due_chat.slot == 1
    (evening,) = await log.claim(
        [21], local_date=DAY, worker="b", now=evening_at, cutoffs=cut, slots={21: 1}
    )
    assert evening.slot == 1 and evening.delivery_id != morning.delivery_id
    # Each (chat, date, slot) is claimed once: a second claim of either gets nothing.
    for slot in (0, 1):
        again = await log.claim(
            [21], local_date=DAY, worker="c", now=evening_at, cutoffs=cut, slots={21: slot}
        )
        assert again == []
    rows = await log.all_for_chat(21)
    assert [(r.slot, r.status, r.article_ids) for r in rows] == [
        (0, "sent", (7,)),
        (1, "claimed", ()),
    ]
    # A claim whose lease ran out does not hold the other slots back.
    much_later = evening_at + timedelta(hours=2)
    late_cut = cutoffs_at(much_later)
    (taken,) = await log.claim(
        [21], local_date=DAY, worker="d", now=much_later, cutoffs=late_cut, slots={21: 1}
    )
    assert taken.delivery_id == evening.delivery_id


async def test_two_workers_race_for_two_slots_of_many_chats(
    store: SqlStore,
) -> None:
    """Workers claim overlapping batches at the evening time: each (chat, date, slot) once."""
    chat_ids = list(range(31, 71))
    for chat_id in chat_ids:
        await add_chat(store, chat_id)
        await store.set_digest_times(chat_id, [MORNING, EVENING])
    log = store.deliveries
    morning_at = utc(2026, 3, 28, 0, 5)
    evening_at = utc(2026, 3, 28, 12, 5)
    for at, slot in ((morning_at, 0), (evening_at, 1)):
        cut = cutoffs_at(at)
        slots = {chat_id: slot for chat_id in chat_ids}
        won = await asyncio.gather(
            *(
                log.claim(part, local_date=DAY, worker=f"w{n}", now=at, cutoffs=cut, slots=slots)
                for n, part in enumerate([chat_ids, chat_ids[::-1], chat_ids[10:30]])
            )
        )
        claimed = [claim.chat_id for claims in won for claim in claims]
        assert sorted(claimed) == chat_ids
        assert all(claim.slot == slot for claims in won for claim in claims)
        marks = {
            n: [SentMark(c.delivery_id, (), (1,)) for c in claims] for n, claims in enumerate(won)
        }
        for n, mine in marks.items():
            await log.mark_sent_many(mine, worker=f"w{n}", now=at)
    assert await log.count_by_status() == {"sent": 2 * len(chat_ids)}


async def test_after_the_morning_only_chats_with_an_evening_time_are_due(
    store: SqlStore,
) -> None:
    """Chats with one time and chats with two, all sent in the morning: at 20:30 only the
    latter are due, for slot 1, and the others stay done."""
    for chat_id in (41, 42, 43, 44):
        await add_chat(store, chat_id)
    for chat_id in (42, 44):
        await store.set_digest_times(chat_id, [MORNING, EVENING])
    log = store.deliveries
    morning_at = utc(2026, 3, 28, 0, 5)
    claims = await log.claim(
        [41, 42, 43, 44], local_date=DAY, worker="m", now=morning_at, cutoffs=cutoffs_at(morning_at)
    )
    marks = [SentMark(c.delivery_id, (c.chat_id,), (1,)) for c in claims]
    await log.mark_sent_many(marks, worker="m", now=morning_at)
    evening_at = utc(2026, 3, 28, 12, 30)
    due = await log.due_chats(
        timezone="Asia/Shanghai", local_date=DAY, hhmm="20:30", cutoffs=cutoffs_at(evening_at)
    )
    assert [(chat.chat_id, chat.slot) for chat in due] == [(42, 1), (44, 1)]


async def test_a_morning_digest_cut_short_is_finished_before_the_evening_one(
    rig: Rig, topics: tuple[Topic, ...], articles: list[NewArticle]
) -> None:
    """The worker dies after the first part of the morning digest and nothing runs until
    after 20:00: the restart finishes the morning digest (its missing parts only), then the
    evening slot sends what arrived since, and no part goes twice."""
    for tag in ("long-a", "long-b", "long-c", "long-d"):
        await rig.store.add_articles(
            seed_articles(topics, max_chars=2000, max_sentences=40, tag=tag)
        )
    await two_slot_chat(rig.store, 5, topics=[t.slug for t in topics])
    rig.clock.set(utc(2026, 3, 28, 0, 0))
    await killed_at_the_second_part(rig.pusher(max_articles=20))
    assert len(rig.texts(5)) == 1
    # Back at 20:05, with one more article that arrived meanwhile.
    rig.clock.set(utc(2026, 3, 28, 12, 5))
    (new_id,) = (await rig.store.add_articles(articles[:1])).added
    restarted = rig.pusher(max_articles=20)
    first = await restarted.tick()
    morning = await rig.log.get(5, DAY, 0)
    assert first.sent == 1 and morning is not None and morning.status == "sent"
    assert len(morning.message_ids) == len(rig.texts(5)) >= 2
    assert len(set(rig.texts(5))) == len(rig.texts(5)), "no morning part twice"
    assert await rig.log.get(5, DAY, 1) is None
    rig.clock.set(utc(2026, 3, 28, 12, 6))
    second = await restarted.tick()
    evening = await rig.log.get(5, DAY, 1)
    assert second.sent == 1 and evening is not None and evening.status == "sent"
    assert evening.article_ids == (new_id,), "only what arrived since"
    assert articles[0].title in rig.texts(5)[-1]
