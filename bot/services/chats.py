"""Chats: who the bot talks to, in which language, and when their daily digest comes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.services.schedule_input import (
    DigestTimes,
    ZoneChoice,
    parse_digest_time,
    parse_digest_times,
    parse_timezone,
)
from bot.store.api import Store
from bot.store.records import ChatRecord


@dataclass(frozen=True)
class ChatRef:
    """The chat an update came from, as handlers see it."""

    id: int
    type: str
    language: str


@dataclass(frozen=True)
class TimezoneChange:
    """A time zone that was set, how the input was read, and the local time there now."""

    choice: ZoneChoice
    local_now: datetime


class ChatService:
    """Creates chats on first contact and changes their push settings."""

    def __init__(self, store: Store, *, default_timezone: str, default_digest_time: time):
        self._store = store
        self._timezone = default_timezone
        self._digest_time = default_digest_time

    @property
    def default_timezone(self) -> str:
        """The time zone a new chat starts with."""
        return self._timezone

    @property
    def default_digest_time(self) -> time:
        """The push time a new chat starts with."""
        return self._digest_time

    async def ensure(self, chat: ChatRef) -> ChatRecord:
        """The chat's record, created with the defaults if new (and unblocked if it was)."""
        return await self._store.ensure_chat(
            chat.id,
            type=chat.type,
            language=chat.language,
            timezone=self._timezone,
            digest_time=self._digest_time,
        )

    async def start(self, chat: ChatRef) -> ChatRecord:
        """/start: ensure the chat and adopt the language of whoever started it."""
        record = await self.ensure(chat)
        if record.language != chat.language:
            record = await self._store.update_chat(chat.id, language=chat.language)
        return record

    async def set_digest_time(self, chat: ChatRef, raw: str) -> ChatRecord | None:
        """Store a new push time; None when ``raw`` is not a valid HH:MM."""
        parsed = parse_digest_time(raw)
        if parsed is None:
            return None
        await self.ensure(chat)
        return await self._store.update_chat(chat.id, digest_time=parsed)

    async def set_digest_times(self, chat: ChatRef, raw: str) -> tuple[DigestTimes, ChatRecord]:
        """/settime with one or more times: stores them all, or nothing when ``raw`` has a
        problem (what was read says which); the chat's record as it is afterwards."""
        parsed = parse_digest_times(raw)
        record = await self.ensure(chat)
        if parsed.problem is None:
            record = await self._store.set_digest_times(chat.id, parsed.times)
        return parsed, record

    async def set_timezone(self, chat: ChatRef, raw: str) -> TimezoneChange | None:
        """Store a new time zone; None when ``raw`` names no zone we can recognise."""
        choice = parse_timezone(raw)
        if choice is None:
            return None
        await self.ensure(chat)
        await self._store.update_chat(chat.id, timezone=choice.zone)
        return TimezoneChange(choice, datetime.now(UTC).astimezone(ZoneInfo(choice.zone)))

    async def set_paused(self, chat: ChatRef, paused: bool) -> tuple[ChatRecord, bool]:
        """Pause or resume the daily push; also says whether anything changed."""
        record = await self.ensure(chat)
        if record.paused == paused:
            return record, False
        return await self._store.update_chat(chat.id, paused=paused), True

    async def set_story_updates(self, chat: ChatRef, on: bool) -> tuple[ChatRecord, bool]:
        """Turn story updates on or off (bot.services.stories); also says whether anything
        changed (a change bumps the chat's revision, as what it receives changes)."""
        record = await self.ensure(chat)
        if record.story_updates == on:
            return record, False
        return await self._store.update_chat(chat.id, story_updates=on), True

    async def move(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: its subscriptions and deliveries follow the new id."""
        await self._store.migrate_chat(old_id, new_id)
