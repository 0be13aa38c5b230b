"""Digest targets: channels and groups an admin links from a private chat, and forum topics.

The Telegram lookups (getChat, getChatMember) are the handler's: it hands over what Telegram
said as ``ChatFacts`` and this decides. See bot.store.targets for how targets are stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from bot.services.chats import ChatRef, ChatService
from bot.store.api import Store
from bot.store.records import ChatRecord
from bot.store.rows import time_text

# A public username (t.me/name links too) or a numeric id of a group or channel.
_USERNAME = re.compile(r"^(?:@|(?:https?://)?t\.me/)([A-Za-z][A-Za-z0-9_]{3,31})/?$")
_CHAT_ID = re.compile(r"^-\d{1,16}$")
ADMIN_STATUSES = frozenset({"creator", "administrator"})
LinkStatus = Literal["linked", "not_admin", "bot_not_member", "bot_cannot_post"]


@dataclass(frozen=True)
class ChatFacts:
    """What Telegram says of a channel or group, of the user, and of the bot there."""

    chat_id: int
    type: str  # "channel", "group" or "supergroup"
    title: str
    user_status: str  # creator, administrator, member, restricted, left, kicked
    bot_status: str
    bot_can_post: bool  # channel: can_post_messages; group: may send messages


@dataclass(frozen=True)
class LinkOutcome:
    """What a link attempt came to, and the chat's name to say it with."""

    status: LinkStatus
    name: str
    chat: ChatRecord | None = None


def parse_chat_ref(raw: str) -> str | int | None:
    """``@name`` (or a t.me link) as "@name", a negative numeric id as an int; else None."""
    value = raw.strip()
    if match := _USERNAME.match(value):
        return "@" + match.group(1)
    if _CHAT_ID.match(value):
        chat_id = int(value)
        return chat_id if abs(chat_id) < 2**52 else None
    return None


def may_post(facts: ChatFacts) -> LinkStatus | None:
    """Why the bot cannot post there (None: it can)."""
    if facts.bot_status in ("left", "kicked"):
        return "bot_not_member"
    if not facts.bot_can_post:
        return "bot_cannot_post"
    return None


class TargetService:
    """Links channels and groups to their admins, and gives forum topics their own rows."""

    def __init__(self, store: Store, chats: ChatService) -> None:
        self._store = store
        self._targets = store.targets
        self._chats = chats

    def _values(self, language: str) -> dict[str, object]:
        return {
            "language": language,
            "timezone": self._chats.default_timezone,
            "digest_time": time_text(self._chats.default_digest_time),
        }

    async def link(self, user: ChatRef, facts: ChatFacts) -> LinkOutcome:
        """Link the chat to the user if they administer it and the bot may post there."""
        name = facts.title or str(facts.chat_id)
        refusal = may_post(facts)
        if facts.user_status == "unknown" and refusal is not None:
            # Telegram shows a channel's members only to its admins: the bot's own state is
            # the first thing to fix.
            return LinkOutcome(refusal, name)
        if facts.user_status not in ADMIN_STATUSES:
            return LinkOutcome("not_admin", name)
        if refusal is not None:
            return LinkOutcome(refusal, name)
        await self._chats.ensure(user)  # the private chat that will manage it
        record = await self._targets.link(
            facts.chat_id,
            user.id,
            type=facts.type,
            title=facts.title,
            values=self._values(user.language),
            now=datetime.now(UTC),
        )
        return LinkOutcome("linked", name, record)

    async def linked(self, user_id: int) -> list[ChatRecord]:
        """The channels and groups a user linked."""
        return await self._targets.linked(user_id)

    async def managing(self, user_id: int) -> ChatRecord | None:
        """The linked chat the user's private chat manages now (None: the private chat)."""
        return await self._targets.managing(user_id)

    async def choose(self, user: ChatRef, chat_id: int | None) -> bool:
        """Manage a linked chat (None: the private chat); False when not linked by the user."""
        await self._chats.ensure(user)
        return await self._targets.set_managing(user.id, chat_id)

    async def unlink(self, user_id: int, chat_id: int) -> ChatRecord | None:
        """Remove the user's link to a chat; the chat as it was, or None when not linked."""
        for record in await self._targets.linked(user_id):
            if record.id == chat_id and await self._targets.unlink(chat_id, user_id):
                return record
        return None

    async def find_linked(self, user_id: int, ref: str | int) -> ChatRecord | None:
        """A chat the user linked, by id or by its title/username as given."""
        for record in await self._targets.linked(user_id):
            if record.id == ref or (isinstance(ref, str) and record.title == ref.lstrip("@")):
                return record
        return None

    async def topic(self, chat: ChatRef, thread_id: int) -> ChatRef:
        """The target of a forum topic: its own row, created if new with what the group set
        (language, time zone, digest time), else the defaults."""
        values: dict[str, object] = {"type": chat.type, **self._values(chat.language)}
        group = await self._store.get_chat(chat.id)
        if group is not None:
            values |= {
                "language": group.language,
                "timezone": group.timezone,
                "digest_time": time_text(group.digest_time),
            }
        record = await self._targets.ensure_topic(
            chat.id, thread_id, values=values, now=datetime.now(UTC)
        )
        return ChatRef(record.id, record.type, record.language)

    async def rights_changed(self, chat_id: int, facts: ChatFacts) -> list[int]:
        """The bot's membership changed (my_chat_member): mark or restore its rights there.
        Returns the admins to tell that it lost them (once)."""
        if may_post(facts) is None:
            await self._targets.restore_rights(chat_id)
            return []
        return await self._targets.mark_rights_lost(chat_id, at=datetime.now(UTC))

    async def title(self, chat_id: int) -> str:
        """A chat's stored title, else its id."""
        record = await self._store.get_chat(chat_id)
        return (record.title if record else None) or str(chat_id)
