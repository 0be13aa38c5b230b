"""Digest targets other than the chat that asks: linked channels and groups, forum topics.

A digest target is a ``chats`` row, whatever it is: subscriptions, the schedule and the
delivery log stay keyed by ``chats.id`` exactly as for a private chat, so claims, sent marks and
the exactly-once rule need nothing new. Two kinds of rows are added:

- a channel (or a group) linked from an admin's private chat keeps its Telegram id as its row
  id; ``chat_admins`` records who linked it, and that admin's private chat row names it in
  ``manages`` while the admin manages it from there (a choice that survives restarts);
- a forum topic gets a row of its own with a synthetic id at or below ``SYNTHETIC_TOP``, a
  range no Telegram chat id can take (the Bot API keeps ids within 52 bits), and names its
  supergroup in ``telegram_id`` and the topic in ``thread_id`` (unique together). A topic row
  is an ordinary chat row for everything else, so each topic has its own subscriptions, time
  and digest.

Why not key everything by (chat, thread)? Every table, claim and query would need a second key
column, and the delivery log's uniqueness with it; a row per topic changes only where a digest
is sent (``ChatRecord.send_to`` and ``thread_id``).

The bot losing its right to post in a linked chat sets ``rights_lost_at``: the chat is no
longer due, and ``mark_rights_lost`` hands the linking admins to tell to exactly one caller.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store import dialect
from bot.store.chats import NEXT_REVISION, get_chat
from bot.store.engine import WRITE_OPTION
from bot.store.records import ChatRecord
from bot.store.rows import chat_record
from bot.store.schema import chat_admins, chats

# Every chats.id at or below this is a forum topic's row; Telegram ids stay above -2**52.
SYNTHETIC_TOP = -(2**53)
_ALLOCATION_TRIES = 8

c = chats.c


def is_topic_row(chat_id: int) -> bool:
    """Whether a chats.id is a forum topic's synthetic id."""
    return chat_id <= SYNTHETIC_TOP


class TargetStore:
    """Linked channels and groups, their admins, and forum topic rows."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.backend = engine.dialect.name
        self._writer = engine.execution_options(**{WRITE_OPTION: True})

    # -- forum topics -------------------------------------------------------------------
    async def ensure_topic(
        self, telegram_id: int, thread_id: int, *, values: dict[str, Any], now: datetime
    ) -> ChatRecord:
        """The row of one forum topic, created with ``values`` (type, language, timezone,
        digest_time) if new; a topic row that was blocked (topic gone, bot removed) is
        unblocked, since someone just wrote in it."""
        for _ in range(_ALLOCATION_TRIES):
            async with self._writer.begin() as conn:
                found = await _topic_row(conn, telegram_id, thread_id)
                if found is not None:
                    if found.blocked_at is not None:
                        await conn.execute(
                            chats.update()
                            .where(c.id == found.id)
                            .values(blocked_at=None, **NEXT_REVISION)
                        )
                        found = await _topic_row(conn, telegram_id, thread_id)
                    assert found is not None
                    return found
                lowest = (
                    await conn.execute(sa.select(sa.func.min(c.id)).where(c.id <= SYNTHETIC_TOP))
                ).scalar()
                new_id = min(int(lowest) if lowest is not None else SYNTHETIC_TOP, SYNTHETIC_TOP)
                row = {
                    "id": new_id - 1,
                    "paused": False,
                    "created_at": now,
                    "telegram_id": telegram_id,
                    "thread_id": thread_id,
                    **values,
                }
                # Two writers may pick the same id or the same topic: one wins, the other
                # inserts nothing and looks again.
                await conn.execute(
                    dialect.insert(self.backend, chats).values(row).on_conflict_do_nothing()
                )
        async with self.engine.connect() as conn:
            found = await _topic_row(conn, telegram_id, thread_id)
        if found is None:
            raise RuntimeError(f"could not allocate a row for topic {thread_id} of {telegram_id}")
        return found

    async def topics_of(self, telegram_id: int) -> list[ChatRecord]:
        """The topic rows of one forum supergroup."""
        query = sa.select(chats).where(c.telegram_id == telegram_id).order_by(c.thread_id)
        async with self.engine.connect() as conn:
            return [chat_record(row) for row in (await conn.execute(query)).all()]

    # -- linked channels and groups -----------------------------------------------------
    async def link(
        self,
        chat_id: int,
        user_id: int,
        *,
        type: str,
        title: str | None,
        values: dict[str, Any],
        now: datetime,
    ) -> ChatRecord:
        """Link a channel or group to an admin: its row (created with ``values`` if new, title
        refreshed, rights restored) and the admin's link; the admin's private chat (which must
        exist) now manages it. Linking a chat nobody had linked resumes it if it was paused by
        the last unlink."""
        async with self._writer.begin() as conn:
            row = {"id": chat_id, "type": type, "paused": False, "created_at": now, **values}
            await conn.execute(
                dialect.insert(self.backend, chats).values(row).on_conflict_do_nothing()
            )
            had_admins = await _admin_ids(conn, chat_id)
            changes: dict[str, Any] = {"title": title, "rights_lost_at": None, "type": type}
            if not had_admins:
                changes["paused"] = False
            await conn.execute(
                chats.update().where(c.id == chat_id).values(**changes, **NEXT_REVISION)
            )
            # A push refused before the link (the bot kicked, then added back) blocked the rows.
            await _unblock(conn, chat_id)
            await conn.execute(
                dialect.insert(self.backend, chat_admins)
                .values(chat_id=chat_id, user_id=user_id, linked_at=now)
                .on_conflict_do_nothing()
            )
            await conn.execute(chats.update().where(c.id == user_id).values(manages=chat_id))
            found = await get_chat(conn, chat_id)  # with all its digest times
        assert found is not None
        return found

    async def unlink(self, chat_id: int, user_id: int) -> bool:
        """Remove an admin's link; False when there was none. The last link gone, the chat is
        paused (nobody manages it any more); its subscriptions stay for a later link."""
        async with self._writer.begin() as conn:
            removed = await conn.execute(
                chat_admins.delete().where(
                    chat_admins.c.chat_id == chat_id, chat_admins.c.user_id == user_id
                )
            )
            if not removed.rowcount:
                return False
            await conn.execute(
                chats.update().where(c.id == user_id, c.manages == chat_id).values(manages=None)
            )
            if not await _admin_ids(conn, chat_id):
                await conn.execute(
                    chats.update().where(c.id == chat_id).values(paused=True, **NEXT_REVISION)
                )
        return True

    async def linked(self, user_id: int) -> list[ChatRecord]:
        """The chats a user linked, by title."""
        query = (
            sa.select(chats)
            .join(chat_admins, chat_admins.c.chat_id == c.id)
            .where(chat_admins.c.user_id == user_id)
            .order_by(c.title, c.id)
        )
        async with self.engine.connect() as conn:
            return [chat_record(row) for row in (await conn.execute(query)).all()]

    async def admins(self, chat_id: int) -> list[int]:
        """User ids of those who linked a chat."""
        async with self.engine.connect() as conn:
            return await _admin_ids(conn, chat_id)

    async def set_managing(self, user_id: int, chat_id: int | None) -> bool:
        """Manage a linked chat from the user's private chat (None: the private chat itself);
        False when the user has not linked that chat."""
        async with self._writer.begin() as conn:
            if chat_id is not None and user_id not in await _admin_ids(conn, chat_id):
                return False
            await conn.execute(chats.update().where(c.id == user_id).values(manages=chat_id))
        return True

    async def managing(self, user_id: int) -> ChatRecord | None:
        """The linked chat a user's private chat manages now, if any (and still linked)."""
        query = (
            sa.select(chats)
            .join(chat_admins, chat_admins.c.chat_id == c.id)
            .where(
                chat_admins.c.user_id == user_id,
                c.id == sa.select(c.manages).where(c.id == user_id).scalar_subquery(),
            )
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return chat_record(row) if row is not None else None

    # -- rights -------------------------------------------------------------------------
    async def mark_rights_lost(self, chat_id: int, *, at: datetime) -> list[int]:
        """The bot may no longer post in a linked chat or a channel: stop pushing it. Returns
        the admins to tell, to the one caller that marked it (empty for every later call)."""
        linked = sa.select(chat_admins.c.user_id).where(chat_admins.c.chat_id == c.id).exists()
        async with self._writer.begin() as conn:
            result = await conn.execute(
                chats.update()
                .where(
                    c.id == chat_id,
                    c.rights_lost_at.is_(None),
                    sa.or_(c.type == "channel", linked),
                )
                .values(rights_lost_at=at)
            )
            if not result.rowcount:
                return []
            return await _admin_ids(conn, chat_id)

    async def restore_rights(self, chat_id: int) -> bool:
        """The bot may post again (re-added, promoted): push the chat, and its forum topics,
        again."""
        async with self._writer.begin() as conn:
            return await _unblock(conn, chat_id)


async def _unblock(conn: AsyncConnection, chat_id: int) -> bool:
    """Clear what a refused push set on a chat and on its forum topics' rows: the lost rights
    of a linked chat and the block of a group or topic (a push sets ``blocked_at`` on those,
    and the due query skips them until cleared)."""
    result = await conn.execute(
        chats.update()
        .where(
            sa.or_(c.id == chat_id, c.telegram_id == chat_id),
            sa.or_(c.rights_lost_at.is_not(None), c.blocked_at.is_not(None)),
        )
        .values(rights_lost_at=None, blocked_at=None, **NEXT_REVISION)
    )
    return bool(result.rowcount)


async def _topic_row(conn: AsyncConnection, telegram_id: int, thread_id: int) -> ChatRecord | None:
    query = sa.select(chats).where(c.telegram_id == telegram_id, c.thread_id == thread_id)
    row = (await conn.execute(query)).first()
    return chat_record(row) if row is not None else None


async def _admin_ids(conn: AsyncConnection, chat_id: int) -> list[int]:
    query = (
        sa.select(chat_admins.c.user_id)
        .where(chat_admins.c.chat_id == chat_id)
        .order_by(chat_admins.c.user_id)
    )
    return [int(user_id) for user_id in (await conn.execute(query)).scalars()]
