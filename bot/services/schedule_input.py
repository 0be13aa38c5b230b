"""Reading what people type for /settime and /timezone: push times and a time zone."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import time
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo, available_timezones

from bot.store.records import MAX_DIGEST_TIMES
from summaries.tokens import normalize_query_text

_TIME = re.compile(r"^(\d{1,2})[:：.](\d{2})$")
# Between several times: spaces, commas (half- or full-width), the enumeration comma, semicolons.
_TIME_SEPARATORS = re.compile(r"[\s,，、;；]+")
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$")

# Offsets that are not whole hours have no Etc/GMT zone; these places keep them all year.
_FRACTIONAL_OFFSETS: dict[tuple[int, int], str] = {
    (3, 30): "Asia/Tehran",
    (4, 30): "Asia/Kabul",
    (5, 30): "Asia/Kolkata",
    (5, 45): "Asia/Kathmandu",
    (6, 30): "Asia/Yangon",
    (9, 30): "Australia/Darwin",
    (-3, -30): "America/St_Johns",
    (-9, -30): "Pacific/Marquesas",
}

# Names people use for places whose zone is not named after them (or is named in English).
_PLACES: dict[str, str] = {
    "北京": "Asia/Shanghai",
    "北京时间": "Asia/Shanghai",
    "中国": "Asia/Shanghai",
    "china": "Asia/Shanghai",
    "beijing": "Asia/Shanghai",
    "peking": "Asia/Shanghai",
    "上海": "Asia/Shanghai",
    "广州": "Asia/Shanghai",
    "guangzhou": "Asia/Shanghai",
    "深圳": "Asia/Shanghai",
    "shenzhen": "Asia/Shanghai",
    "重庆": "Asia/Shanghai",
    "chongqing": "Asia/Shanghai",
    "天津": "Asia/Shanghai",
    "杭州": "Asia/Shanghai",
    "南京": "Asia/Shanghai",
    "武汉": "Asia/Shanghai",
    "成都": "Asia/Shanghai",
    "西安": "Asia/Shanghai",
    "郑州": "Asia/Shanghai",
    "漯河": "Asia/Shanghai",
    "乌鲁木齐": "Asia/Urumqi",
    "香港": "Asia/Hong_Kong",
    "澳门": "Asia/Macau",
    "台北": "Asia/Taipei",
    "台湾": "Asia/Taipei",
    "东京": "Asia/Tokyo",
    "日本": "Asia/Tokyo",
    "首尔": "Asia/Seoul",
    "新加坡": "Asia/Singapore",
    "曼谷": "Asia/Bangkok",
    "吉隆坡": "Asia/Kuala_Lumpur",
    "悉尼": "Australia/Sydney",
    "墨尔本": "Australia/Melbourne",
    "伦敦": "Europe/London",
    "英国": "Europe/London",
    "巴黎": "Europe/Paris",
    "柏林": "Europe/Berlin",
    "德国": "Europe/Berlin",
    "莫斯科": "Europe/Moscow",
    "纽约": "America/New_York",
    "华盛顿": "America/New_York",
    "washington": "America/New_York",
    "洛杉矶": "America/Los_Angeles",
    "旧金山": "America/Los_Angeles",
    "san francisco": "America/Los_Angeles",
    "西雅图": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "芝加哥": "America/Chicago",
    "多伦多": "America/Toronto",
    "温哥华": "America/Vancouver",
    "utc": "UTC",
    "gmt": "UTC",
    "z": "UTC",
}


def parse_digest_time(raw: str) -> time | None:
    """A 24-hour HH:MM time (H:MM and full-width digits allowed), else None."""
    match = _TIME.match(normalize_query_text(raw).strip())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


TimesProblem = Literal["bad", "duplicate", "too_many"]


@dataclass(frozen=True)
class DigestTimes:
    """What /settime read: the times, ascending, or the problem and the piece it is about."""

    times: tuple[time, ...] = ()
    problem: TimesProblem | None = None
    value: str = ""  # the piece that is not a time, or the time given twice


def parse_digest_times(raw: str) -> DigestTimes:
    """One to MAX_DIGEST_TIMES 24-hour times (each as ``parse_digest_time`` reads it), in any
    order, separated by spaces or commas; the first problem found otherwise."""
    pieces = [piece for piece in _TIME_SEPARATORS.split(raw.strip()) if piece]
    if not pieces:
        return DigestTimes(problem="bad", value=raw.strip())
    times: list[time] = []
    for piece in pieces:
        parsed = parse_digest_time(piece)
        if parsed is None:
            return DigestTimes(problem="bad", value=piece)
        if parsed in times:
            return DigestTimes(problem="duplicate", value=parsed.strftime("%H:%M"))
        times.append(parsed)
    if len(times) > MAX_DIGEST_TIMES:
        return DigestTimes(problem="too_many", value=str(len(times)))
    return DigestTimes(times=tuple(sorted(times)))


@dataclass(frozen=True)
class ZoneChoice:
    """The IANA zone chosen for what the user typed, and how it was read."""

    zone: str
    understood: str


@cache
def _zones_by_key() -> dict[str, str]:
    """Every IANA name, and the city part of each, keyed case-insensitively."""
    by_key: dict[str, str] = {}
    for name in sorted(available_timezones()):
        by_key.setdefault(name.lower(), name)
    for name in sorted(available_timezones()):
        if "/" in name and not name.startswith(("Etc/", "SystemV/")):
            city = name.rsplit("/", 1)[1].lower()
            by_key.setdefault(city, name)
            by_key.setdefault(city.replace("_", " "), name)
    return by_key


def _offset_zone(sign: str, hours: int, minutes: int) -> ZoneChoice | None:
    if minutes:
        signed = (hours, minutes) if sign == "+" else (-hours, -minutes)
        zone = _FRACTIONAL_OFFSETS.get(signed)
        label = f"UTC{sign}{hours}:{minutes:02d}"
        return ZoneChoice(zone, label) if zone else None
    if hours == 0:
        return ZoneChoice("UTC", "UTC+0")
    if (sign == "+" and hours > 14) or (sign == "-" and hours > 12):
        return None
    # POSIX-style Etc zones invert the sign: UTC+8 is Etc/GMT-8.
    inverted = "-" if sign == "+" else "+"
    return ZoneChoice(f"Etc/GMT{inverted}{hours}", f"UTC{sign}{hours}")


def parse_timezone(raw: str) -> ZoneChoice | None:
    """An IANA zone for a name (Asia/Shanghai), an offset (UTC+8, +08:00) or a city (北京)."""
    key = " ".join(normalize_query_text(raw).split())
    if not key or len(key) > 64:
        return None
    # What the user typed, in half-width with its case kept, to say how it was understood.
    cleaned = " ".join(unicodedata.normalize("NFKC", raw).split())
    offset = _OFFSET.match(key)
    if offset:
        return _offset_zone(offset.group(1), int(offset.group(2)), int(offset.group(3) or 0))
    zone = _PLACES.get(key) or _PLACES.get(key.removesuffix("市")) or _zones_by_key().get(key)
    if zone is None:
        zone = _zones_by_key().get(key.replace(" ", "_"))
    if zone is None:
        return None
    try:
        ZoneInfo(zone)
    except (ValueError, KeyError, OSError):
        return None
    return ZoneChoice(zone, cleaned if cleaned != zone else zone)
