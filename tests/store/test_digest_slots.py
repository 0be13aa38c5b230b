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
