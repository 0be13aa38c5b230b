"""Contract: a chat's several digest times (slots), stored whole or not at all."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa

from bot.store import SqlStore
from bot.store.records import MAX_DIGEST_TIMES
from bot.store.schema import chat_slots, deliveries

GROUP = -1001234567890124


async def _chat(store: SqlStore, chat_id: int = GROUP, **settings: object) -> None:
    values = {
        "type": "group",
        "language": "zh",
        "timezone": "Asia/Shanghai",
        "digest_time": time(8, 0),
        **settings,
    }
    await store.ensure_chat(chat_id, **values)  # type: ignore[arg-type]


async def test_times_are_kept_in_order_and_replaced_whole(store: SqlStore) -> None:
    await _chat(store)
    record = await store.set_digest_times(GROUP, [time(7, 30), time(12), time(21, 5)])
    assert record.digest_time == time(7, 30)
    assert record.digest_times == (time(7, 30), time(12), time(21, 5))
    fetched = await store.get_chat(GROUP)
    assert fetched is not None and fetched.later_times == (time(12), time(21, 5))
    # Fewer times: the later slots that are gone go.
    record = await store.set_digest_times(GROUP, [time(9), time(18)])
    assert record.digest_times == (time(9), time(18))
    # One time through update_chat, as before: it is the only one.
    record = await store.update_chat(GROUP, digest_time=time(6, 45))
    assert record.digest_times == (time(6, 45),)
    async with store.engine.connect() as conn:
        left = (await conn.execute(sa.select(sa.func.count()).select_from(chat_slots))).scalar()
    assert left == 0


@pytest.mark.parametrize(
    "times",
    [
        [],
        [time(8), time(8)],
        [time(20), time(8)],  # out of order
        [time(h) for h in range(MAX_DIGEST_TIMES + 1)],
    ],
)
async def test_bad_times_change_nothing(store: SqlStore, times: list[time]) -> None:
    await _chat(store)
    await store.set_digest_times(GROUP, [time(7), time(19)])
    with pytest.raises(ValueError):
        await store.set_digest_times(GROUP, times)
    record = await store.get_chat(GROUP)
    assert record is not None and record.digest_times == (time(7), time(19))


async def test_unknown_chat_is_refused(store: SqlStore) -> None:
    with pytest.raises(LookupError):
        await store.set_digest_times(42, [time(8), time(20)])


async def test_setting_times_makes_a_checked_chat_due_again(store: SqlStore) -> None:
    """A new time changes what the chat receives: its revision moves, as /settime did."""
    await _chat(store)
    async with store.engine.connect() as conn:
        revision = sa.text("SELECT revision FROM chats WHERE id = :id").bindparams(id=GROUP)
        before = (await conn.execute(revision)).scalar_one()
    await store.set_digest_times(GROUP, [time(8), time(20)])
    async with store.engine.connect() as conn:
        assert (await conn.execute(revision)).scalar_one() == before + 1


async def _deliver(store: SqlStore, chat_id: int, day: date, slot: int, ids: list[int]) -> None:
    async with store.engine.begin() as conn:
        await conn.execute(
            deliveries.insert().values(
                chat_id=chat_id,
                local_date=day,
                slot=slot,
                status="sent",
                article_ids=json.dumps(ids),
                message_ids=json.dumps([1]),
                claimed_at=datetime.now(UTC),
            )
        )


async def test_a_group_that_moves_keeps_its_times_and_each_slots_delivery(
    store: SqlStore,
) -> None:
    old_id, new_id = -4000124, -1004000124
    await _chat(store, old_id)
    await store.set_digest_times(old_id, [time(8), time(20)])
    day = date(2024, 5, 1)
    await _deliver(store, old_id, day, 0, [1])
    await _deliver(store, old_id, day, 1, [2])
    await store.migrate_chat(old_id, new_id)
    moved = await store.get_chat(new_id)
    assert moved is not None and moved.digest_times == (time(8), time(20))
    rows = await store.deliveries.all_for_chat(new_id)
    assert [(r.slot, r.article_ids) for r in rows] == [(0, (1,)), (1, (2,))]


async def test_merging_into_an_existing_chat_keeps_its_own_rows_per_slot(
    store: SqlStore,
) -> None:
    old_id, new_id = -4000125, -1004000125
    await _chat(store, old_id)
    await _chat(store, new_id, type="supergroup")
    await store.set_digest_times(old_id, [time(8), time(20)])
    day = date(2024, 5, 1)
    await _deliver(store, old_id, day, 0, [1])
    await _deliver(store, old_id, day, 1, [2])
    await _deliver(store, new_id, day, 0, [3])
    await store.migrate_chat(old_id, new_id)
    rows = await store.deliveries.all_for_chat(new_id)
    # Slot 0 of that day was the new chat's own; the old evening row joins it.
    assert [(r.slot, r.article_ids) for r in rows] == [(0, (3,)), (1, (2,))]
    merged = await store.get_chat(new_id)
    assert merged is not None and merged.digest_times == (time(8),)


async def test_a_digest_given_up_after_some_parts_is_not_sent_again_at_a_later_slot(
    store: SqlStore,
) -> None:
    """The morning digest sent its first part, then failed for good: the evening slot is due,
    and the articles the chat already saw are not its candidates again."""
    from datetime import timedelta

    from bot.store.deliveries import Cutoffs
    from tests.store.corpus import make_article, seed_paragraphs

    paragraphs = seed_paragraphs()
    morning_news = make_article("早间新闻", paragraphs[0], topics=("civility",))
    shown = (await store.add_articles([morning_news])).added
    await _chat(store, 9, type="private", timezone="UTC", digest_time=time(7))
    await store.add_subscription(9, "topic", "civility")
    await store.set_digest_times(9, [time(7), time(19)])
    log, day = store.deliveries, date(2026, 3, 28)
    morning = datetime(2026, 3, 28, 7, 1, tzinfo=UTC)
    cut = Cutoffs(morning - timedelta(minutes=15), morning, morning, 5)
    (due,) = await log.due_chats(timezone="UTC", local_date=day, hhmm="07:01", cutoffs=cut)
    (claim,) = await log.claim(
        [9], local_date=day, worker="w", now=morning, cutoffs=cut, slots={9: due.slot}
    )
    await log.record_progress(claim.delivery_id, worker="w", article_ids=shown, message_ids=[900])
    await log.release(claim.delivery_id, worker="w", now=morning, error="can't parse entities")
    async with store.engine.begin() as conn:
        await conn.execute(sa.update(deliveries).values(attempts=5))
    assert [a.id for a in await store.articles_for_chat(9, limit=10)] == []
    assert (await store.articles_for_chats([9], limit=10))[9] == []
    # A failure before any part went out gives its articles back.
    async with store.engine.begin() as conn:
        await conn.execute(sa.update(deliveries).values(message_ids="[]"))
    assert [a.id for a in await store.articles_for_chat(9, limit=10)] == list(shown)
