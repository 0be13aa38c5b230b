"""The delivery log: which chats are due, atomic claims, and sent/failed bookkeeping.

One row per (chat, local date), unique, is the whole exactly-once mechanism:

- a worker claims a chat by inserting its row as 'claimed' (INSERT ... ON CONFLICT DO NOTHING),
  or by flipping an existing row that may be retried (failed, nothing new since a change, or
  claimed by a worker whose lease ran out) with a conditional UPDATE; on PostgreSQL both are
  atomic between processes (the loser of a race sees the winner's committed row and claims
  nothing), so several workers can share one database; on SQLite one process is the rule;
- every later write is fenced by ``claimed_by``: a worker that lost its lease cannot overwrite
  the row of the worker that took it over;
- a row 'nothing_new' records "checked, nothing to send": the chat stays due that day and is
  looked at again once newer articles arrive or the chat changes what it receives. A claim
  notes the chat's ``revision`` (bumped by every such change, see bot.store.chats) in
  ``chat_revision``, so a change made while the chat was being checked is not missed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store import dialect
from bot.store.engine import WRITE_OPTION
from bot.store.records import Delivery
from bot.store.rows import dump_list, load_list
from bot.store.schema import articles, chats, deliveries

# Chats per claim statement: far below the bound-parameter limits of SQLite and asyncpg.
CLAIM_SLICE = 1000

d = deliveries.c


@dataclass(frozen=True)
class DueChat:
    """A chat whose push time has come, as the due query returns it."""

    chat_id: int
    type: str
    language: str
    digest_time: str
    # Where the digest goes (bot.store.targets): the Telegram chat (None: chat_id) and the
    # forum topic (None: none).
    telegram_id: int | None = None
    thread_id: int | None = None

    @property
    def send_to(self) -> int:
        """The Telegram chat id the digest is sent to."""
        return self.telegram_id if self.telegram_id is not None else self.chat_id


@dataclass(frozen=True)
class Claim:
    """A delivery row this worker holds: what was already sent of it, if anything."""

    delivery_id: int
    chat_id: int
    local_date: date
    article_ids: tuple[int, ...]
    message_ids: tuple[int, ...]
    attempts: int


@dataclass(frozen=True)
class SentMark:
    """A delivery whose whole digest went out: what to record for it."""

    delivery_id: int
    article_ids: tuple[int, ...]
    message_ids: tuple[int, ...]


@dataclass(frozen=True)
class Cutoffs:
    """When rows stop blocking a chat: stale claims, old 'nothing new' checks, old failures."""

    lease_before: datetime  # a claim taken before this belongs to a dead or stuck worker
    recheck_before: datetime  # a 'nothing new' check before this is looked at again
    retry_before: datetime  # a failure before this is retried
    max_attempts: int


def _ids(value: str | None) -> tuple[int, ...]:
    return tuple(int(v) for v in load_list(value))


def sent_article_ids(backend: str) -> tuple[Any, sa.ColumnElement[int]]:
    """The delivery log joined with each article id of its sent deliveries, and that id.

    Select from the first, filter on ``deliveries`` columns (say, the chat), read the second.
    """
    each = dialect.json_array_elements(backend, d.article_ids)
    return deliveries.join(each, d.status == "sent"), sa.cast(each.c.value, sa.BigInteger)


def _retryable(cut: Cutoffs, chat_revision: sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
    """Rows that do not stop a chat from being claimed again; ``chat_revision`` is the chat's
    current revision (its column, or a subquery correlated to the row's chat)."""
    return sa.or_(
        sa.and_(d.status == "claimed", d.claimed_at < cut.lease_before),
        sa.and_(
            d.status == "nothing_new",
            sa.or_(
                d.claimed_at < cut.recheck_before,
                d.chat_revision.is_(None),
                d.chat_revision < chat_revision,
            ),
        ),
        sa.and_(
            d.status == "failed",
            d.attempts < cut.max_attempts,
            d.claimed_at < cut.retry_before,
        ),
    )


def _revision_of_row_chat() -> sa.ScalarSelect[int]:
    return sa.select(chats.c.revision).where(chats.c.id == d.chat_id).scalar_subquery()


class DeliveryLog:
    """Delivery-log queries on the store's engine and tables."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.backend = engine.dialect.name  # "sqlite" or "postgresql"
        # SQLite writers take the write lock up front (see bot.store.engine).
        self._writer = engine.execution_options(**{WRITE_OPTION: True})

    # -- reads --------------------------------------------------------------------------
    async def active_timezones(self) -> list[str]:
        """Distinct time zones of chats that may receive a push (few, even for many chats)."""
        query = (
            sa.select(chats.c.timezone)
            .where(
                chats.c.paused == sa.false(),
                chats.c.blocked_at.is_(None),
                chats.c.rights_lost_at.is_(None),
            )
            .distinct()
            .order_by(chats.c.timezone)
        )
        async with self.engine.connect() as conn:
            return list((await conn.execute(query)).scalars())

    async def newest_article_id(self) -> int:
        """The highest article id: it grows whenever an article is stored."""
        async with self.engine.connect() as conn:
            value = (await conn.execute(sa.select(sa.func.max(articles.c.id)))).scalar()
        return int(value or 0)

    async def due_chats(
        self,
        *,
        timezone: str,
        local_date: date,
        hhmm: str,
        cutoffs: Cutoffs,
        after: tuple[str, int] | None = None,
        limit: int = 200,
    ) -> list[DueChat]:
        """Chats of one zone whose push time is at or before ``hhmm`` and that nothing stops.

        Keyset-paged by (digest_time, id) after ``after``, so one tick visits each chat once.
        """
        blocking = sa.select(sa.literal(1)).where(
            d.chat_id == chats.c.id,
            d.local_date == local_date,
            sa.not_(_retryable(cutoffs, chats.c.revision)),
        )
        query = sa.select(
            chats.c.id,
            chats.c.type,
            chats.c.language,
            chats.c.digest_time,
            chats.c.telegram_id,
            chats.c.thread_id,
        ).where(
            chats.c.timezone == timezone,
            chats.c.digest_time <= hhmm,
            chats.c.paused == sa.false(),
            chats.c.blocked_at.is_(None),
            chats.c.rights_lost_at.is_(None),
            ~blocking.exists(),
        )
        if after is not None:
            query = query.where(
                sa.tuple_(chats.c.digest_time, chats.c.id) > sa.tuple_(*map(sa.literal, after))
            )
        query = query.order_by(chats.c.digest_time, chats.c.id).limit(limit)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            DueChat(
                int(r.id),
                r.type,
                r.language,
                r.digest_time,
                telegram_id=None if r.telegram_id is None else int(r.telegram_id),
                thread_id=None if r.thread_id is None else int(r.thread_id),
            )
            for r in rows
        ]

    async def get(self, chat_id: int, local_date: date) -> Delivery | None:
        """The delivery of one chat for one local date."""
        query = sa.select(deliveries).where(d.chat_id == chat_id, d.local_date == local_date)
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _record(row) if row is not None else None

    async def all_for_chat(self, chat_id: int) -> list[Delivery]:
        """Every delivery of a chat, oldest date first (for operators and tests)."""
        query = sa.select(deliveries).where(d.chat_id == chat_id).order_by(d.local_date)
        async with self.engine.connect() as conn:
            return [_record(row) for row in (await conn.execute(query)).all()]

    async def count_by_status(self) -> dict[str, int]:
        """How many delivery rows have each status."""
        query = sa.select(d.status, sa.func.count()).group_by(d.status)
        async with self.engine.connect() as conn:
            return {status: int(n) for status, n in (await conn.execute(query)).all()}

    # -- claims -------------------------------------------------------------------------
    async def claim(
        self,
        chat_ids: Sequence[int],
        *,
        local_date: date,
        worker: str,
        now: datetime,
        cutoffs: Cutoffs,
    ) -> list[Claim]:
        """Atomically take the deliveries of these chats for ``local_date``; returns those won."""
        if not chat_ids:
            return []
        # One lock order for every worker, so that two batch claims cannot deadlock.
        ordered = sorted(set(chat_ids))
        won: list[Claim] = []
        async with self._writer.begin() as conn:
            fresh: dict[int, int] = {}
            for start in range(0, len(ordered), CLAIM_SLICE):
                inserted = await conn.execute(
                    self._insert_new(ordered[start : start + CLAIM_SLICE], local_date, worker, now)
                )
                fresh.update((int(r.chat_id), int(r.id)) for r in inserted)
            won.extend(Claim(i, c, local_date, (), (), 0) for c, i in fresh.items())
            rest = [c for c in ordered if c not in fresh]
            for start in range(0, len(rest), CLAIM_SLICE):
                part = rest[start : start + CLAIM_SLICE]
                taken = await conn.execute(
                    sa.update(deliveries)
                    .where(
                        d.local_date == local_date,
                        d.chat_id.in_(part),
                        _retryable(cutoffs, _revision_of_row_chat()),
                    )
                    .values(
                        status="claimed",
                        claimed_at=now,
                        claimed_by=worker,
                        chat_revision=_revision_of_row_chat(),
                    )
                    .returning(d.id, d.chat_id, d.article_ids, d.message_ids, d.attempts)
                )
                won.extend(
                    Claim(
                        int(r.id),
                        int(r.chat_id),
                        local_date,
                        _ids(r.article_ids),
                        _ids(r.message_ids),
                        int(r.attempts),
                    )
                    for r in taken
                )
        return sorted(won, key=lambda claim: claim.chat_id)

    def _insert_new(self, chat_ids: list[int], local_date: date, worker: str, now: datetime) -> Any:
        """New 'claimed' rows for those of ``chat_ids`` that have none for ``local_date``,
        each noting the chat's revision as it is now (read in the claim's own statement)."""
        source = (
            sa.select(
                chats.c.id,
                sa.literal(local_date, sa.Date),
                sa.literal("claimed"),
                sa.literal(now, d.claimed_at.type),
                sa.literal(worker),
                chats.c.revision,
            )
            .where(chats.c.id.in_(chat_ids))
            .order_by(chats.c.id)
        )
        columns = ["chat_id", "local_date", "status", "claimed_at", "claimed_by", "chat_revision"]
        return (
            dialect.insert(self.backend, deliveries)
            .from_select(columns, source)
            .on_conflict_do_nothing(index_elements=[d.chat_id, d.local_date])
            .returning(d.id, d.chat_id)
        )

    # -- progress and outcome -----------------------------------------------------------
    async def record_progress(
        self,
        delivery_id: int,
        *,
        worker: str,
        article_ids: Sequence[int],
        message_ids: Sequence[int],
    ) -> bool:
        """Save the parts sent so far, so that a retry resumes after them."""
        return await self._fenced_update(
            delivery_id,
            worker,
            article_ids=dump_list(article_ids),
            message_ids=dump_list(message_ids),
        )

    async def mark_sent_many(
        self, marks: Sequence[SentMark], *, worker: str, now: datetime
    ) -> set[int]:
        """Record several sent digests in one transaction; returns the delivery ids still held.

        Each row is fenced by the claim: one this worker no longer holds is left alone. A row
        this worker already marked sent counts as held, so that a retry after a commit whose
        answer was lost (the connection died) reports the truth.
        """
        if not marks:
            return set()
        ids = sorted({mark.delivery_id for mark in marks})
        # The rows stay locked until the update: no takeover can slip in between.
        held_query = dialect.lock_rows(
            self.backend,
            sa.select(d.id)
            .where(d.id.in_(ids), d.status.in_(("claimed", "sent")), d.claimed_by == worker)
            .order_by(d.id),
        )
        update = (
            sa.update(deliveries)
            .where(
                d.id == sa.bindparam("delivery_id"),
                d.status == "claimed",
                d.claimed_by == worker,
            )
            .values(
                status="sent",
                article_ids=sa.bindparam("article_json"),
                message_ids=sa.bindparam("message_json"),
                sent_at=now,
                error=None,
            )
        )
        async with self._writer.begin() as conn:
            held = {int(i) for i in (await conn.execute(held_query)).scalars()}
            rows = [
                {
                    "delivery_id": mark.delivery_id,
                    "article_json": dump_list(mark.article_ids),
                    "message_json": dump_list(mark.message_ids),
                }
                for mark in marks
                if mark.delivery_id in held
            ]
            if rows:
                await conn.execute(update, rows)
        return held

    async def mark_nothing_new(self, delivery_id: int, *, worker: str) -> bool:
        """Nothing to send: give the chat back, to be looked at again when newer articles
        arrive or the chat changes. ``claimed_at`` stays the time of the check."""
        return await self._fenced_update(delivery_id, worker, status="nothing_new", error=None)

    async def release(
        self, delivery_id: int, *, worker: str, now: datetime, error: str, count: bool = True
    ) -> bool:
        """Sending failed: give the chat back for a later tick, counting the attempt."""
        return await self._fenced_update(
            delivery_id,
            worker,
            status="failed",
            error=error[:500],
            claimed_at=now,
            attempts=d.attempts + (1 if count else 0),
        )

    async def _fenced_update(self, delivery_id: int, worker: str, **values: Any) -> bool:
        query = (
            sa.update(deliveries)
            .where(d.id == delivery_id, d.status == "claimed", d.claimed_by == worker)
            .values(**values)
        )
        async with self._writer.begin() as conn:
            result = await conn.execute(query)
        return bool(result.rowcount)


def _record(row: Any) -> Delivery:
    return Delivery(
        id=int(row.id),
        chat_id=int(row.chat_id),
        local_date=row.local_date,
        status=row.status,
        article_ids=_ids(row.article_ids),
        message_ids=_ids(row.message_ids),
        attempts=int(row.attempts),
        claimed_at=row.claimed_at,
        sent_at=row.sent_at,
        error=row.error,
    )
