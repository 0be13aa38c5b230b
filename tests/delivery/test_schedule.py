"""Due-ness from time zone and push time, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.delivery.schedule import format_hhmm, is_due, local_moment


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_local_moment_per_zone() -> None:
    now = utc(2026, 3, 28, 23, 30)
    assert local_moment(now, "Asia/Shanghai").local_date == date(2026, 3, 29)
    assert local_moment(now, "Asia/Shanghai").hhmm == "07:30"
    assert local_moment(now, "Europe/Berlin").hhmm == "00:30"
    assert local_moment(now, "America/New_York").local_date == date(2026, 3, 28)
    assert local_moment(now, "America/New_York").hhmm == "19:30"


def test_berlin_spring_forward_shifts_utc_time_by_an_hour() -> None:
    # 07:30 in Berlin is 06:30 UTC in winter and 05:30 UTC from 29 March 2026 (CEST).
    assert is_due(utc(2026, 3, 28, 6, 30), timezone="Europe/Berlin", digest_time=time(7, 30))[0]
    assert not is_due(utc(2026, 3, 28, 6, 29), timezone="Europe/Berlin", digest_time=time(7, 30))[0]
    assert is_due(utc(2026, 3, 29, 5, 30), timezone="Europe/Berlin", digest_time=time(7, 30))[0]
    assert not is_due(utc(2026, 3, 29, 5, 29), timezone="Europe/Berlin", digest_time=time(7, 30))[0]


def test_skipped_local_time_is_due_right_after_the_jump() -> None:
    # 02:30 does not exist in Berlin on 29 March 2026: clocks go from 02:00 to 03:00 (01:00 UTC).
    due, day = is_due(utc(2026, 3, 29, 0, 59), timezone="Europe/Berlin", digest_time=time(2, 30))
    assert not due and day == date(2026, 3, 29)
    due, day = is_due(utc(2026, 3, 29, 1, 0), timezone="Europe/Berlin", digest_time=time(2, 30))
    assert due and day == date(2026, 3, 29)


def test_repeated_local_hour_is_one_local_date() -> None:
    # New York falls back on 1 November 2026: 01:30 happens twice, on the same local date.
    first = local_moment(utc(2026, 11, 1, 5, 30), "America/New_York")
    second = local_moment(utc(2026, 11, 1, 6, 30), "America/New_York")
    assert first.hhmm == second.hhmm == "01:30"
    assert first.local_date == second.local_date == date(2026, 11, 1)


def test_unknown_zone_falls_back_to_utc() -> None:
    assert local_moment(utc(2026, 1, 1, 9, 5), "Mars/Olympus").hhmm == "09:05"


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        local_moment(datetime(2026, 1, 1), "Asia/Shanghai")


def test_format_drops_seconds() -> None:
    assert format_hhmm(time(7, 5, 59)) == "07:05"
