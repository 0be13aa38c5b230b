"""Due-ness from time zone and push time, across daylight-saving changes: the local moment
and the delivery log's due query, the rule the push really uses."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.delivery.schedule import format_hhmm, local_moment
from bot.store.deliveries import Cutoffs, SentMark
from bot.store.sql_store import SqlStore
from tests.delivery.conftest import add_chat


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_local_moment_per_zone() -> None:
    now = utc(2026, 3, 28, 23, 30)
    assert local_moment(now, "Asia/Shanghai").local_date == date(2026, 3, 29)
    assert local_moment(now, "Asia/Shanghai").hhmm == "07:30"
    assert local_moment(now, "Europe/Berlin").hhmm == "00:30"
    assert local_moment(now, "America/New_York").local_date == date(2026, 3, 28)
    assert local_moment(now, "America/New_York").hhmm == "19:30"


async def is_due(store: SqlStore, now: datetime, chat_id: int, timezone: str) -> bool:
    """The real rule: the delivery log's due query at ``now`` for the chat's zone."""
    moment = local_moment(now, timezone)
    cutoffs = Cutoffs(
        lease_before=now - timedelta(seconds=900),
        recheck_before=now,
        retry_before=now,
        max_attempts=5,
    )
    due = await store.deliveries.due_chats(
        timezone=timezone, local_date=moment.local_date, hhmm=moment.hhmm, cutoffs=cutoffs
    )
    return chat_id in [chat.chat_id for chat in due]


async def test_berlin_spring_forward_shifts_utc_time_by_an_hour(store: SqlStore) -> None:
    # 07:30 in Berlin is 06:30 UTC in winter and 05:30 UTC from 29 March 2026 (CEST).
    await add_chat(store, 1, timezone="Europe/Berlin", at=time(7, 30))
    assert await is_due(store, utc(2026, 3, 28, 6, 30), 1, "Europe/Berlin")
    assert not await is_due(store, utc(2026, 3, 28, 6, 29), 1, "Europe/Berlin")
    assert await is_due(store, utc(2026, 3, 29, 5, 30), 1, "Europe/Berlin")
    assert not await is_due(store, utc(2026, 3, 29, 5, 29), 1, "Europe/Berlin")


async def test_skipped_local_time_is_due_right_after_the_jump(store: SqlStore) -> None:
    # 02:30 does not exist in Berlin on 29 March 2026: clocks go from 02:00 to 03:00 (01:00 UTC).
    await add_chat(store, 2, timezone="Europe/Berlin", at=time(2, 30))
    assert not await is_due(store, utc(2026, 3, 29, 0, 59), 2, "Europe/Berlin")
    assert await is_due(store, utc(2026, 3, 29, 1, 0), 2, "Europe/Berlin")
    assert local_moment(utc(2026, 3, 29, 1, 0), "Europe/Berlin").local_date == date(2026, 3, 29)


async def test_repeated_local_hour_is_one_local_date_and_one_digest(
    store: SqlStore,
) -> None:
    # New York falls back on 1 November 2026: 01:30 happens twice, on the same local date.
    first_at, second_at = utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30)
    first = local_moment(first_at, "America/New_York")
    second = local_moment(second_at, "America/New_York")
    assert first.hhmm == second.hhmm == "01:30"
    assert first.local_date == second.local_date == date(2026, 11, 1)
    await add_chat(store, 3, timezone="America/New_York", at=time(1, 30))
    assert await is_due(store, first_at, 3, "America/New_York")
    log = store.deliveries
    cutoffs = Cutoffs(first_at, first_at, first_at, 5)
    (claim,) = await log.claim(
        [3], local_date=first.local_date, worker="w", now=first_at, cutoffs=cutoffs
    )
    await log.mark_sent_many([SentMark(claim.delivery_id, (1,), (1,))], worker="w", now=first_at)
    assert not await is_due(store, second_at, 3, "America/New_York")


def test_unknown_zone_falls_back_to_utc() -> None:
    assert local_moment(utc(2026, 1, 1, 9, 5), "Mars/Olympus").hhmm == "09:05"


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        local_moment(datetime(2026, 1, 1), "Asia/Shanghai")


def test_format_drops_seconds() -> None:
    assert format_hhmm(time(7, 5, 59)) == "07:05"
