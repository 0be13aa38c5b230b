"""Chat and subscription queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import dialect
from bot.store.records import (
    MAX_DIGEST_TIMES,
    AddedSubscriptions,
    AddSubscriptionOutcome,
    ChatRecord,
    StoreStats,
    Subscription,
    SubscriptionKind,
)
from bot.store.rows import chat_record, text_time, time_text
from bot.store.schema import (
    articles,
    chat_admins,
    chat_slots,
    chats,
    deliveries,
    subscriptions,
)


class UnknownChatError(LookupError):
    """The chat is not in the store (call ensure_chat first)."""


def _insert(backend: str, table: sa.Table) -> Any:
    return dialect.insert(backend, table)


# Every change to what a chat would receive bumps its revision: a 'nothing new' check made at
# an older revision is due again at the next tick (see bot.store.deliveries).
NEXT_REVISION = {"revision": chats.c.revision + 1}


async def _changed(conn: AsyncConnection, chat_id: int) -> None:
    await conn.execute(chats.update().where(chats.c.id == chat_id).values(**NEXT_REVISION))


async def get_chat(conn: AsyncConnection, chat_id: int) -> ChatRecord | None:
    """One chat by id."""
    row = (await conn.execute(sa.select(chats).where(chats.c.id == chat_id))).first()
    if row is None:
        return None
    later = await conn.execute(
        sa.select(chat_slots.c.digest_time)
        .where(chat_slots.c.chat_id == chat_id)
        .order_by(chat_slots.c.slot)
    )
    return chat_record(row, tuple(text_time(value) for value in later.scalars()))


async def _require_chat(conn: AsyncConnection, chat_id: int) -> ChatRecord:
    chat = await get_chat(conn, chat_id)
    if chat is None:
        raise UnknownChatError(f"chat {chat_id} is not in the store")
    return chat


async def ensure_chat(
    conn: AsyncConnection,
    backend: str,
    chat_id: int,
    *,
    values: dict[str, Any],
    now: datetime,
) -> ChatRecord:
    """The chat, created with ``values`` if new; a blocked chat is unblocked."""
    row = {"id": chat_id, "paused": False, "blocked_at": None, "created_at": now, **values}
    await conn.execute(_insert(backend, chats).values(row).on_conflict_do_nothing())
    await conn.execute(
        chats.update()
        .where(chats.c.id == chat_id, chats.c.blocked_at.is_not(None))
        .values(blocked_at=None, **NEXT_REVISION)
    )
    return await _require_chat(conn, chat_id)


async def update_chat(
    conn: AsyncConnection,
    chat_id: int,
    *,
    language: str | None,
    timezone: str | None,
    digest_time: time | None,
    paused: bool | None,
    story_updates: bool | None = None,
) -> ChatRecord:
    """Change the given settings; UnknownChatError when the chat is not stored."""
    changes: dict[str, Any] = {}
    if language is not None:
        changes["language"] = language
    if timezone is not None:
        changes["timezone"] = timezone
    if digest_time is not None:
        changes["digest_time"] = time_text(digest_time)
        # One time given: it is the only one (a later slot could come before it).
        await conn.execute(chat_slots.delete().where(chat_slots.c.chat_id == chat_id))
    if paused is not None:
        changes["paused"] = paused
    if story_updates is not None:
        changes["story_updates"] = story_updates
    if changes:
        await conn.execute(
            chats.update().where(chats.c.id == chat_id).values(**changes, **NEXT_REVISION)
        )
    return await _require_chat(conn, chat_id)


def check_digest_times(times: Sequence[time]) -> None:
    """ValueError unless ``times`` are 1 to MAX_DIGEST_TIMES minutes of the day, ascending."""
    minutes = [time_text(value) for value in times]
    if not 1 <= len(minutes) <= MAX_DIGEST_TIMES:
        raise ValueError(f"a chat has 1 to {MAX_DIGEST_TIMES} digest times, not {len(minutes)}")
    if any(a >= b for a, b in zip(minutes, minutes[1:], strict=False)):
        raise ValueError(f"digest times must be distinct and ascending: {minutes}")


async def set_digest_times(
    conn: AsyncConnection, chat_id: int, times: Sequence[time]
) -> ChatRecord:
    """Replace the chat's digest times (ascending, distinct, at most MAX_DIGEST_TIMES): the
    first is chats.digest_time (slot 0), the others chat_slots rows 1.. ."""
    check_digest_times(times)
    await _require_chat(conn, chat_id)
    await conn.execute(
        chats.update()
        .where(chats.c.id == chat_id)
        .values(digest_time=time_text(times[0]), **NEXT_REVISION)
    )
    await conn.execute(chat_slots.delete().where(chat_slots.c.chat_id == chat_id))
    if len(times) > 1:
        await conn.execute(
            chat_slots.insert(),
            [
                {"chat_id": chat_id, "slot": slot, "digest_time": time_text(value)}
                for slot, value in enumerate(times[1:], start=1)
            ],
        )
    return await _require_chat(conn, chat_id)


async def mark_blocked(conn: AsyncConnection, chat_id: int, *, at: datetime) -> None:
    """Set blocked_at (subscriptions stay)."""
    await conn.execute(chats.update().where(chats.c.id == chat_id).values(blocked_at=at))


async def migrate_chat(conn: AsyncConnection, backend: str, old_id: int, new_id: int) -> None:
    """Move a chat to a new id with its subscriptions and deliveries."""
    if old_id == new_id:
        return
    # Rows that send into the group (its forum topics) and private chats managing it follow.
    await conn.execute(
        chats.update().where(chats.c.telegram_id == old_id).values(telegram_id=new_id)
    )
    await conn.execute(chats.update().where(chats.c.manages == old_id).values(manages=new_id))
    old = await get_chat(conn, old_id)
    if old is None:
        return
    if await get_chat(conn, new_id) is None:
        # The usual case: the foreign keys cascade the new id to subscriptions and deliveries.
        await conn.execute(
            chats.update()
            .where(chats.c.id == old_id)
            .values(id=new_id, type="supergroup", **NEXT_REVISION)
        )
        return
    # The new chat already wrote to the bot: merge into it, keeping its own rows on conflict.
    moved = sa.select(
        sa.literal(new_id, sa.BigInteger),
        subscriptions.c.kind,
        subscriptions.c.value,
        subscriptions.c.created_at,
    ).where(subscriptions.c.chat_id == old_id)
    await conn.execute(
        _insert(backend, subscriptions)
        .from_select(["chat_id", "kind", "value", "created_at"], moved)
        .on_conflict_do_nothing()
    )
    admins = sa.select(
        sa.literal(new_id, sa.BigInteger), chat_admins.c.user_id, chat_admins.c.linked_at
    ).where(chat_admins.c.chat_id == old_id)
    await conn.execute(
        _insert(backend, chat_admins)
        .from_select(["chat_id", "user_id", "linked_at"], admins)
        .on_conflict_do_nothing()
    )
    # The old chat's deliveries move unless the new chat has one for the same date and slot.
    theirs = deliveries.alias("theirs")
    taken = sa.select(theirs.c.id).where(
        theirs.c.chat_id == new_id,
        theirs.c.local_date == deliveries.c.local_date,
        theirs.c.slot == deliveries.c.slot,
    )
    await conn.execute(
        deliveries.update()
        .where(deliveries.c.chat_id == old_id, ~taken.exists())
        .values(chat_id=new_id)
    )
    await conn.execute(chats.delete().where(chats.c.id == old_id))
    await _changed(conn, new_id)


# Feeds (MAX_FEEDS_PER_CHAT) and excluded words (MAX_EXCLUDED_WORDS) have their own limits;
# categories, topics and keywords share one.
_OWN_LIMIT = ("feed", "exclude")


async def _count_family(conn: AsyncConnection, chat_id: int, kind: SubscriptionKind) -> int:
    """How many of the chat's subscriptions count against the same limit as ``kind``."""
    kinds = subscriptions.c.kind
    same_family = kinds == kind if kind in _OWN_LIMIT else kinds.not_in(_OWN_LIMIT)
    stmt = (
        sa.select(sa.func.count())
        .select_from(subscriptions)
        .where(subscriptions.c.chat_id == chat_id, same_family)
    )
    return int((await conn.execute(stmt)).scalar_one())


async def add_subscriptions(
    conn: AsyncConnection,
    backend: str,
    chat_id: int,
    kind: SubscriptionKind,
    values: Sequence[str],
    *,
    max_per_chat: int,
    now: datetime,
) -> AddedSubscriptions:
    """Add several values of one kind at once: all the new ones, or none when they would pass
    ``max_per_chat``; the caller's transaction makes it all or nothing."""
    await _require_chat(conn, chat_id)
    wanted = list(dict.fromkeys(values))
    held = await conn.execute(
        sa.select(subscriptions.c.value).where(
            subscriptions.c.chat_id == chat_id,
            subscriptions.c.kind == kind,
            subscriptions.c.value.in_(wanted),
        )
    )
    existing = set(held.scalars())
    new = [value for value in wanted if value not in existing]
    already = tuple(value for value in wanted if value in existing)
    if not new:
        return AddedSubscriptions(existing=already)
    room = max(0, max_per_chat - await _count_family(conn, chat_id, kind))
    if len(new) > room:
        return AddedSubscriptions(existing=already, over_limit=True, room=room)
    rows = [{"chat_id": chat_id, "kind": kind, "value": v, "created_at": now} for v in new]
    await conn.execute(_insert(backend, subscriptions).values(rows).on_conflict_do_nothing())
    await _changed(conn, chat_id)
    return AddedSubscriptions(added=tuple(new), existing=already)


async def remove_subscriptions(
    conn: AsyncConnection, chat_id: int, kind: SubscriptionKind, values: Sequence[str]
) -> tuple[str, ...]:
    """Remove several values of one kind; the values that were there, in the order given."""
    wanted = list(dict.fromkeys(values))
    result = await conn.execute(
        subscriptions.delete()
        .where(
            subscriptions.c.chat_id == chat_id,
            subscriptions.c.kind == kind,
            subscriptions.c.value.in_(wanted),
        )
        .returning(subscriptions.c.value)
    )
    gone = set(result.scalars())
    if gone:
        await _changed(conn, chat_id)
    return tuple(value for value in wanted if value in gone)


async def add_subscription(
    conn: AsyncConnection,
    backend: str,
    chat_id: int,
    kind: SubscriptionKind,
    value: str,
    *,
    max_per_chat: int,
    now: datetime,
) -> AddSubscriptionOutcome:
    """Subscribe unless already subscribed or at the limit."""
    await _require_chat(conn, chat_id)
    mine = subscriptions.c.chat_id == chat_id
    exists = await conn.execute(
        sa.select(subscriptions.c.id).where(
            mine, subscriptions.c.kind == kind, subscriptions.c.value == value
        )
    )
    if exists.first() is not None:
        return "exists"
    if await _count_family(conn, chat_id, kind) >= max_per_chat:
        return "limit"
    result = await conn.execute(
        _insert(backend, subscriptions)
        .values(chat_id=chat_id, kind=kind, value=value, created_at=now)
        .on_conflict_do_nothing()
    )
    if not result.rowcount:
        return "exists"
    await _changed(conn, chat_id)
    return "added"


async def remove_subscription(
    conn: AsyncConnection, chat_id: int, kind: SubscriptionKind, value: str
) -> bool:
    """Unsubscribe; False when there was nothing to remove."""
    result = await conn.execute(
        subscriptions.delete().where(
            subscriptions.c.chat_id == chat_id,
            subscriptions.c.kind == kind,
            subscriptions.c.value == value,
        )
    )
    if not result.rowcount:
        return False
    await _changed(conn, chat_id)
    return True


async def list_subscriptions(conn: AsyncConnection, chat_id: int) -> list[Subscription]:
    """Categories, topics, then keywords and feeds, then excluded words, each in the order
    added."""
    kind = subscriptions.c.kind
    topic_first = sa.case(
        (kind == "category", 0), (kind == "topic", 1), (kind == "exclude", 3), else_=2
    )
    rows = await conn.execute(
        sa.select(subscriptions.c.kind, subscriptions.c.value)
        .where(subscriptions.c.chat_id == chat_id)
        .order_by(topic_first, subscriptions.c.id)
    )
    return [Subscription(chat_id=chat_id, kind=row.kind, value=row.value) for row in rows]


async def stats(conn: AsyncConnection, *, today: date) -> StoreStats:
    """Counts for /stats."""

    async def count(stmt: sa.Select[Any]) -> int:
        return int((await conn.execute(stmt)).scalar_one())

    total_chats = await count(sa.select(sa.func.count()).select_from(chats))
    active = await count(
        sa.select(sa.func.count())
        .select_from(chats)
        .where(
            chats.c.paused.is_(False),
            chats.c.blocked_at.is_(None),
            chats.c.rights_lost_at.is_(None),  # a channel that took the bot's rights away
        )
    )
    article_count = await count(sa.select(sa.func.count()).select_from(articles))
    by_topic_rows = await conn.execute(
        sa.select(subscriptions.c.value, sa.func.count())
        .where(subscriptions.c.kind == "topic")
        .group_by(subscriptions.c.value)
        .order_by(subscriptions.c.value)
    )
    by_category_rows = await conn.execute(
        sa.select(subscriptions.c.value, sa.func.count())
        .where(subscriptions.c.kind == "category")
        .group_by(subscriptions.c.value)
        .order_by(subscriptions.c.value)
    )
    by_category = {value: int(n) for value, n in by_category_rows}
    keywords = await count(
        sa.select(sa.func.count())
        .select_from(subscriptions)
        .where(subscriptions.c.kind == "keyword")
    )
    sent_today = await count(
        sa.select(sa.func.count())
        .select_from(deliveries)
        .where(deliveries.c.status == "sent", deliveries.c.local_date == today)
    )
    return StoreStats(
        chats=total_chats,
        active_chats=active,
        articles=article_count,
        subscriptions_by_topic={value: int(n) for value, n in by_topic_rows},
        subscriptions_by_category=by_category,
        keyword_subscriptions=keywords,
        deliveries_today=sent_today,
    )
