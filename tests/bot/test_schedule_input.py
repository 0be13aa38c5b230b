"""Reading /settime and /timezone input."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.services.schedule_input import parse_digest_time, parse_digest_times, parse_timezone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("08:00", time(8)),
        ("7:30", time(7, 30)),
        ("23:59", time(23, 59)),
        ("００：０５", time(0, 5)),
        (" 21:05 ", time(21, 5)),
    ],
)
def test_valid_times(raw: str, expected: time) -> None:
    assert parse_digest_time(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["24:00", "7:5", "25:61", "12:60", "text", "", "8", "-1:00", "08:00:00", "１２３:00", "8:00pm"],
)
def test_impossible_times(raw: str) -> None:
    assert parse_digest_time(raw) is None


@pytest.mark.parametrize(
    ("raw", "zone"),
    [
        ("Asia/Shanghai", "Asia/Shanghai"),
        ("asia/tokyo", "Asia/Tokyo"),
        ("UTC+8", "Etc/GMT-8"),
        ("GMT-5", "Etc/GMT+5"),
        ("+08:00", "Etc/GMT-8"),
        ("ＵＴＣ＋９", "Etc/GMT-9"),
        ("UTC+5:30", "Asia/Kolkata"),
        ("UTC", "UTC"),
        ("UTC+0", "UTC"),
        ("北京", "Asia/Shanghai"),
        ("上海", "Asia/Shanghai"),
        ("Shanghai", "Asia/Shanghai"),
        ("Beijing", "Asia/Shanghai"),
        ("Hong Kong", "Asia/Hong_Kong"),
        ("香港", "Asia/Hong_Kong"),
        ("Tokyo", "Asia/Tokyo"),
        ("London", "Europe/London"),
        ("new york", "America/New_York"),
        ("Berlin", "Europe/Berlin"),
        ("纽约", "America/New_York"),
    ],
)
def test_time_zones(raw: str, zone: str) -> None:
    choice = parse_timezone(raw)
    assert choice is not None and choice.zone == zone
    ZoneInfo(choice.zone)


def test_offset_sign_is_inverted_for_etc_zones() -> None:
    choice = parse_timezone("UTC+8")
    assert choice is not None
    offset = datetime(2024, 1, 1, tzinfo=ZoneInfo(choice.zone)).utcoffset()
    assert offset is not None and offset.total_seconds() == 8 * 3600
    assert choice.understood == "UTC+8"


@pytest.mark.parametrize(
    "raw",
    [
        "Mars/Olympus",
        "UTC+15",
        "GMT-13",
        "UTC+5:17",
        "",
        "火星",
        "../../etc/passwd",
        "x" * 200,
        "<b>",
        "Asia/",
    ],
)
def test_impossible_time_zones(raw: str) -> None:
    assert parse_timezone(raw) is None


def test_full_width_input_is_read_and_named_in_half_width() -> None:
    assert parse_digest_time("０７：３０") == time(7, 30)
    choice = parse_timezone("\u3000Ｎｅｗ\u3000Ｙｏｒｋ ")
    assert choice is not None and choice.zone == "America/New_York"
    assert choice.understood == "New York"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("08:00", (time(8),)),
        ("20:00 08:00", (time(8), time(20))),
        ("8:00,12:30，21:05", (time(8), time(12, 30), time(21, 5))),
        ("０７：００、１９：００", (time(7), time(19))),
        ("06:00; 09:00 ;12:00 18:00", (time(6), time(9), time(12), time(18))),
    ],
)
def test_several_times_read_in_any_order(raw: str, expected: tuple[time, ...]) -> None:
    parsed = parse_digest_times(raw)
    assert parsed.problem is None and parsed.times == expected


@pytest.mark.parametrize(
    ("raw", "problem", "value"),
    [
        ("08:00 08:00", "duplicate", "08:00"),
        ("8:00 20:00 08:00", "duplicate", "08:00"),
        ("06:00 09:00 12:00 18:00 21:00", "too_many", "5"),
        ("08:00 25:00", "bad", "25:00"),
        ("08:00 evening", "bad", "evening"),
        ("早上八点", "bad", "早上八点"),
        (" , ", "bad", ","),
    ],
)
def test_several_times_problems_say_which(raw: str, problem: str, value: str) -> None:
    parsed = parse_digest_times(raw)
    assert (parsed.problem, parsed.value, parsed.times) == (problem, value, ())
