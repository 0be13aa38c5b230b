"""When a chat's digest is due: a zone's local date and minute at a UTC instant.

No next-push timestamp is stored. A chat's slot is due on its local date once its local wall
clock reads the slot's digest time or later (the delivery log's due query compares the 'HH:MM'
computed here with each chat's digest times), so a daylight-saving jump never skips a digest
(02:30 on a spring-forward night is due at 03:00) and a repeated hour never doubles one (the
delivery log already holds that local date and slot).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LocalMoment:
    """A zone's local date and wall-clock minute at one instant."""

    timezone: str
    local_date: date
    hhmm: str  # 'HH:MM', the form chats.digest_time is stored in


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The IANA zone by name; an unknown name falls back to UTC (and is logged once)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r, using UTC for it", name)
        return ZoneInfo("UTC")


def format_hhmm(value: time) -> str:
    """A time of day as 'HH:MM' (seconds dropped)."""
    return f"{value.hour:02d}:{value.minute:02d}"


def local_moment(now: datetime, timezone: str) -> LocalMoment:
    """The local date and minute in ``timezone`` at the aware instant ``now``."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(zone(timezone))
    return LocalMoment(timezone, local.date(), format_hhmm(local.time()))


def utc_now() -> datetime:
    """The real clock: an aware UTC datetime."""
    return datetime.now(UTC)
