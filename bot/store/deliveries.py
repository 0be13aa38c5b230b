"""The delivery log: which chats are due, atomic claims, and sent/failed bookkeeping.

One row per (chat, local date, slot), unique, is the whole exactly-once mechanism (a slot is one
of the chat's digest times of the day: 0 is chats.digest_time, the earliest, and 1.. are the
chat_slots rows, see migration 0010):

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

Several slots a day: the due query offers each chat once, with its latest slot whose time has
come (an earlier slot that is still pending, failed or 'nothing new' is not looked at once a
later time has come: the later digest takes over everything not yet sent, and a bot that was
down all day sends one digest, not one per missed slot), except that a digest of the day cut
short after some of its parts went out is finished first, so that its parts never go twice.
A chat is not offered, nor claimed, while another of its rows is claimed under a live lease:
a slot's digest is chosen as "every matching article no sent delivery holds", so two slots in
flight at once would pick the same articles. Claims take the chats' rows first (PostgreSQL),
so that two workers deciding about two slots of one chat at once see each other's claim.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store import dialect
from bot.store.engine import WRITE_OPTION
from bot.store.records import Delivery
from bot.store.rows import dump_list, load_list
from bot.store.schema import articles, chat_slots, chats, deliveries

# Chats per claim statement: far below the bound-parameter limits of SQLite and asyncpg.
CLAIM_SLICE = 1000

d = deliveries.c


@dataclass(frozen=True)
class DueChat:
    """A chat whose push time has come, as the due query returns it."""

    chat_id: int
    type: str
    language: str
    digest_time: str  # the chat's first time ('HH:MM'), the due query's paging key
    slot: int = 0  # the latest of its slots whose time has come
    # Where the digest goes (bot.store.targets): the Telegram chat (None: chat_id) and the
    # forum topic (None: none).
    telegram_id: int | None = None
    thread_id: int | None = None
    story_updates: bool = False  # chats.story_updates (bot.services.stories)

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
    slot: int = 0


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
    """The delivery log joined with each article id of the deliveries a chat received, and
    that id: the sent ones, and the failed ones of which some part went out.

    A failed delivery with parts sent counts as received, whole: the chat saw its first parts,
    and with several digests a day a later slot would otherwise send those parts again, at
    every slot of the day (the articles of the parts that never went out are given up with
    the delivery). Select from the first, filter on ``deliveries`` columns (say, the chat),
    read the second.
    """
    each = dialect.json_array_elements(backend, d.article_ids)
    received = sa.or_(d.status == "sent", sa.and_(d.status == "failed", d.message_ids != "[]"))
    return deliveries.join(each, received), sa.cast(each.c.value, sa.BigInteger)


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


def _due_slot(hhmm: str, local_date: date, cut: Cutoffs) -> sa.ColumnElement[int]:
    """The slot a due chat is offered for (correlated to chats): a digest of ``local_date``
    cut short that may be taken up again (parts went out; its claim's lease ran out, or it
    failed and may be retried) is finished first, whatever its slot; else the chat's latest
    slot whose time is at or before ``hhmm``, 0 when no later slot's time has come (later
    slots have later times, so the highest wins)."""
    u = deliveries.alias("unfinished")
    unfinished = (
        sa.select(sa.func.min(u.c.slot))
        .where(
            u.c.chat_id == chats.c.id,
            u.c.local_date == local_date,
            u.c.message_ids != "[]",
            sa.or_(
                sa.and_(u.c.status == "claimed", u.c.claimed_at < cut.lease_before),
                sa.and_(
                    u.c.status == "failed",
                    u.c.attempts < cut.max_attempts,
                    u.c.claimed_at < cut.retry_before,
                ),
            ),
        )
        .correlate(chats)
        .scalar_subquery()
    )
    later = (
        sa.select(sa.func.max(chat_slots.c.slot))
        .where(chat_slots.c.chat_id == chats.c.id, chat_slots.c.digest_time <= hhmm)
        # Said outright: inside the delivery-row subquery, chats is two levels up.
        .correlate(chats)
        .scalar_subquery()
    )
    return sa.func.coalesce(unfinished, later, 0)


def _live_claim(
    rows: Any, chat_id: sa.ColumnElement[int], local_date: date, cut: Cutoffs
) -> sa.Exists:
    """Whether the chat holds a claim whose lease still runs (on ``rows``, an alias or the
    table). Such a claim was taken within the lease, so on this local date or the one before:
    the range keeps the lookup on the (chat_id, local_date, slot) index."""
    return sa.exists().where(
        rows.c.chat_id == chat_id,
        rows.c.local_date >= local_date - timedelta(days=1),
        rows.c.status == "claimed",
        rows.c.claimed_at >= cut.lease_before,
    )


def due_query(
    *,
    timezone: str,
    local_date: date,
    hhmm: str,
    cutoffs: Cutoffs,
    after: tuple[str, int] | None = None,
    limit: int = 200,
) -> sa.Select[Any]:
    """The due chats' statement (``DeliveryLog.due_chats`` runs it; bench/due_query.py shows
    its plan).

    Keyset-paged by (digest_time, id) after ``after``, so one tick visits each chat once:
    a chat's first time is its earliest, so the walk is the one-digest-a-day walk.
    """
    slot = _due_slot(hhmm, local_date, cutoffs)
    blocking = sa.select(sa.literal(1)).where(
        d.chat_id == chats.c.id,
        d.local_date == local_date,
        d.slot == slot,
        sa.not_(_retryable(cutoffs, chats.c.revision)),
    )
    query = sa.select(
        chats.c.id,
        chats.c.type,
        chats.c.language,
        chats.c.digest_time,
        slot.label("slot"),
        chats.c.telegram_id,
        chats.c.thread_id,
        chats.c.story_updates,
    ).where(
        chats.c.timezone == timezone,
        chats.c.digest_time <= hhmm,
        chats.c.paused == sa.false(),
        chats.c.blocked_at.is_(None),
        chats.c.rights_lost_at.is_(None),
        ~blocking.exists(),
        ~_live_claim(deliveries, chats.c.id, local_date, cutoffs),
    )
    if after is not None:
        query = query.where(
            sa.tuple_(chats.c.digest_time, chats.c.id) > sa.tuple_(*map(sa.literal, after))
        )
    return query.order_by(chats.c.digest_time, chats.c.id).limit(limit)


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
        """Chats of one zone with a digest time at or before ``hhmm`` that nothing stops, each
        with its latest such slot (see the module docstring and ``due_query``)."""
        query = due_query(
            timezone=timezone,
            local_date=local_date,
            hhmm=hhmm,
            cutoffs=cutoffs,
            after=after,
            limit=limit,
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            DueChat(
                int(r.id),
                r.type,
                r.language,
                r.digest_time,
                int(r.slot),
                telegram_id=None if r.telegram_id is None else int(r.telegram_id),
                thread_id=None if r.thread_id is None else int(r.thread_id),
                story_updates=bool(r.story_updates),
            )
            for r in rows
        ]

    async def get(self, chat_id: int, local_date: date, slot: int = 0) -> Delivery | None:
        """The delivery of one chat for one local date and slot."""
        query = sa.select(deliveries).where(
            d.chat_id == chat_id, d.local_date == local_date, d.slot == slot
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _record(row) if row is not None else None

    async def all_for_chat(self, chat_id: int) -> list[Delivery]:
        """Every delivery of a chat, oldest date and slot first (for operators and tests)."""
        query = sa.select(deliveries).where(d.chat_id == chat_id).order_by(d.local_date, d.slot)
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
        slots: Mapping[int, int] | None = None,
    ) -> list[Claim]:
        """Atomically take the deliveries of these chats for ``local_date``, each for its slot
        in ``slots`` (0 if not given); returns those won. A chat holding a live claim on
        another of its rows is not taken (see the module docstring)."""
        if not chat_ids:
            return []
        # One lock order for every worker, so that two batch claims cannot deadlock.
        ordered = sorted(set(chat_ids))
        slot_of = {chat_id: (slots or {}).get(chat_id, 0) for chat_id in ordered}
        won: list[Claim] = []
        async with self._writer.begin() as conn:
            if self.backend != "sqlite":  # SQLite's write transaction already excludes
                for start in range(0, len(ordered), CLAIM_SLICE):
                    await conn.execute(
                        sa.select(chats.c.id)
                        .where(chats.c.id.in_(ordered[start : start + CLAIM_SLICE]))
                        .order_by(chats.c.id)
                        .with_for_update(key_share=True)
                    )
            fresh: dict[int, int] = {}
            for slot, part in _by_slot(ordered, slot_of):
                inserted = await conn.execute(
                    self._insert_new(part, local_date, slot, worker, now, cutoffs)
                )
                fresh.update((int(r.chat_id), int(r.id)) for r in inserted)
            won.extend(Claim(i, c, local_date, (), (), 0, slot_of[c]) for c, i in fresh.items())
            rest = [c for c in ordered if c not in fresh]
            other = deliveries.alias("other")
            for slot, part in _by_slot(rest, slot_of):
                taken = await conn.execute(
                    sa.update(deliveries)
                    .where(
                        d.local_date == local_date,
                        d.slot == slot,
                        d.chat_id.in_(part),
                        _retryable(cutoffs, _revision_of_row_chat()),
                        ~_live_claim(other, d.chat_id, local_date, cutoffs).where(
                            other.c.id != d.id
                        ),
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
                        slot,
                    )
                    for r in taken
                )
        return sorted(won, key=lambda claim: claim.chat_id)

    def _insert_new(
        self,
        chat_ids: list[int],
        local_date: date,
        slot: int,
        worker: str,
        now: datetime,
        cutoffs: Cutoffs,
    ) -> Any:
        """New 'claimed' rows for those of ``chat_ids`` that have none for ``local_date`` and
        ``slot`` and hold no live claim on another row, each noting the chat's revision as it
        is now (read in the claim's own statement)."""
        source = (
            sa.select(
                chats.c.id,
                sa.literal(local_date, sa.Date),
                sa.literal(slot, sa.Integer),
                sa.literal("claimed"),
                sa.literal(now, d.claimed_at.type),
                sa.literal(worker),
                chats.c.revision,
            )
            .where(
                chats.c.id.in_(chat_ids), ~_live_claim(deliveries, chats.c.id, local_date, cutoffs)
            )
            .order_by(chats.c.id)
        )
        columns = [
            "chat_id", "local_date", "slot", "status", "claimed_at", "claimed_by", "chat_revision"
        ]  # fmt: skip
        return (
            dialect.insert(self.backend, deliveries)
            .from_select(columns, source)
            .on_conflict_do_nothing(index_elements=[d.chat_id, d.local_date, d.slot])
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


def _by_slot(chat_ids: Sequence[int], slot_of: Mapping[int, int]) -> list[tuple[int, list[int]]]:
    """``chat_ids`` (in order) grouped by their slot, each group cut to CLAIM_SLICE chats."""
    groups: dict[int, list[int]] = {}
    for chat_id in chat_ids:
        groups.setdefault(slot_of[chat_id], []).append(chat_id)
    return [
        (slot, members[start : start + CLAIM_SLICE])
        for slot, members in sorted(groups.items())
        for start in range(0, len(members), CLAIM_SLICE)
    ]


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
        slot=int(row.slot),
    )
