"""Stories in the store: which story each article is in, the story rows, and story reads.

The store takes plain values: the ingest's writer decides the stories (summaries.stories) and
hands over (article, story, representative) triples. A story row's size, distinct sources
and times are counted again from the articles naming it at every write, so they stay true
whichever process added the last member.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import dialect
from bot.store.deliveries import sent_article_ids
from bot.store.records import StoredArticle, StoredSignature, StoryAssignment, StoryRecord
from bot.store.rows import stored_article
from bot.store.schema import articles, deliveries, stories

# Built once, executed with a parameter row per article or story: cached by SQLAlchemy, and
# one executemany per batch instead of a statement per story.
_SET_STORY = (
    articles.update()
    .where(articles.c.id == sa.bindparam("aid"))
    .values(story_id=sa.bindparam("sid"))
)
# Articles that start their own story (most of them): one statement for them all.
_SET_OWN_STORY = (
    articles.update()
    .where(articles.c.id.in_(sa.bindparam("ids", expanding=True)))
    .values(story_id=articles.c.id)
)
_COUNTED = ("representative_id", "size", "sources", "first_seen_at", "last_seen_at")


def _counts(story_id: Any, representative: Any) -> sa.Select[Any]:
    """A story row per story (story ids in the expanding parameter ``ids``), counted from the
    articles naming it; its representative is ``representative``."""
    return (
        sa.select(
            story_id,
            representative,
            sa.func.count().label("size"),
            sa.func.count(sa.distinct(articles.c.source)).label("sources"),
            sa.func.min(articles.c.sort_at).label("first"),
            sa.func.max(articles.c.sort_at).label("last"),
        )
        .where(articles.c.story_id.in_(sa.bindparam("ids", expanding=True)))
        .group_by(articles.c.story_id)
    )


_COUNT_STORIES = _counts(articles.c.story_id, sa.null().label("representative"))


def _upsert(stmt: Any) -> Any:
    return stmt.on_conflict_do_update(
        index_elements=["id"], set_={name: stmt.excluded[name] for name in _COUNTED}
    )


@functools.cache
def _upsert_story(backend: str) -> Any:
    """The INSERT of a story row that, for a story already stored, updates its counts."""
    return _upsert(dialect.insert(backend, stories))


@functools.cache
def _upsert_self_led_stories(backend: str) -> Any:
    """``_upsert_story`` for stories whose representative is their first article (the id they
    bear): counted and written in the database, no row of them read into Python."""
    counted = _counts(articles.c.story_id, articles.c.story_id.label("representative"))
    insert = dialect.insert(backend, stories).from_select(["id", *_COUNTED], counted)
    return _upsert(insert)


async def assign_stories(
    conn: AsyncConnection, backend: str, assignments: Sequence[StoryAssignment]
) -> None:
    """Put each article in its story and write the touched story rows (in ``conn``'s
    transaction); the last assignment of a story names its representative."""
    if not assignments:
        return
    story_of = {a.article_id: a.story_id for a in assignments}
    own = [article_id for article_id, story_id in story_of.items() if article_id == story_id]
    joined = [{"aid": a, "sid": s} for a, s in story_of.items() if a != s]
    for part in dialect.id_chunks(own):
        await conn.execute(_SET_OWN_STORY, {"ids": part})
    if joined:
        await conn.execute(_SET_STORY, joined)
    representative = {a.story_id: a.representative_id for a in assignments}
    touched = sorted(representative)
    self_led = [story_id for story_id in touched if representative[story_id] == story_id]
    for part in dialect.id_chunks(self_led):
        await conn.execute(_upsert_self_led_stories(backend), {"ids": part})
    others = [story_id for story_id in touched if representative[story_id] != story_id]
    for part in dialect.id_chunks(others):
        rows = [
            {
                "id": row.story_id,
                "representative_id": representative[row.story_id],
                "size": int(row.size),
                "sources": int(row.sources),
                "first_seen_at": row.first,
                "last_seen_at": row.last,
            }
            for row in await conn.execute(_COUNT_STORIES, {"ids": part})
        ]
        if rows:
            await conn.execute(_upsert_story(backend), rows)


# The PostgreSQL advisory lock that serializes story assignment between writers ("wzst").
_PG_STORY_LOCK = 0x777A7374


async def lock_story_assignment(conn: AsyncConnection, backend: str) -> None:
    """Hold, until ``conn``'s transaction ends, the lock that lets one writer at a time insert
    articles and put them in stories: each writer then reads the stories the one before it
    committed, and ids commit in the order writers take the lock, so a writer reading the ids
    above the last it saw misses none. SQLite needs nothing: a writing transaction already
    holds the database's write lock (BEGIN IMMEDIATE, bot.store.engine), on the newest data."""
    if backend == "postgresql":
        await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_STORY_LOCK})


async def story_signatures(
    conn: AsyncConnection,
    *,
    since: datetime | None = None,
    after: int = 0,
    grouped: bool = False,
) -> list[StoredSignature]:
    """Articles with a stored signature, an id above ``after``, (if given) sorted at or after
    ``since`` and (if ``grouped``) in a story, in id order: what a writer replays to rebuild its
    open stories, or takes in of other writers' stories."""
    stmt = sa.select(articles.c.id, articles.c.story_signature, articles.c.story_id).where(
        articles.c.story_signature.is_not(None), articles.c.id > after
    )
    if since is not None:
        stmt = stmt.where(articles.c.sort_at >= since)
    if grouped:
        stmt = stmt.where(articles.c.story_id.is_not(None))
    rows = await conn.execute(stmt.order_by(articles.c.id))
    return [StoredSignature(row.id, row.story_signature, row.story_id) for row in rows]


async def get_stories(conn: AsyncConnection, story_ids: Sequence[int]) -> dict[int, StoryRecord]:
    """The story rows with these ids (missing ones left out)."""
    out: dict[int, StoryRecord] = {}
    for part in dialect.id_chunks(sorted(set(story_ids))):
        for row in await conn.execute(sa.select(stories).where(stories.c.id.in_(part))):
            out[int(row.id)] = StoryRecord(
                id=int(row.id),
                representative_id=int(row.representative_id),
                size=int(row.size),
                sources=int(row.sources),
                first_seen_at=row.first_seen_at,
                last_seen_at=row.last_seen_at,
            )
    return out


async def story_members(
    conn: AsyncConnection, story_ids: Sequence[int]
) -> dict[int, list[StoredArticle]]:
    """Every article of each story, oldest first (sort_at, then id)."""
    out: dict[int, list[StoredArticle]] = defaultdict(list)
    for part in dialect.id_chunks(sorted(set(story_ids))):
        stmt = (
            sa.select(articles)
            .where(articles.c.story_id.in_(part))
            .order_by(articles.c.sort_at, articles.c.id)
        )
        for row in await conn.execute(stmt):
            out[int(row.story_id)].append(stored_article(row))
    return dict(out)


async def sent_stories(
    conn: AsyncConnection, backend: str, chat_ids: Sequence[int], story_ids: Sequence[int]
) -> dict[int, set[int]]:
    """Which of ``story_ids`` each chat already received an article of, in a sent delivery."""
    sources = await sent_story_sources(conn, backend, chat_ids, story_ids)
    return {chat_id: set(received) for chat_id, received in sources.items()}


async def sent_story_sources(
    conn: AsyncConnection, backend: str, chat_ids: Sequence[int], story_ids: Sequence[int]
) -> dict[int, dict[int, set[str]]]:
    """For each chat, the sources of each of ``story_ids`` it already received an article
    from, in a sent delivery (stories it received nothing of are left out)."""
    out: dict[int, dict[int, set[str]]] = {chat_id: {} for chat_id in chat_ids}
    wanted = sorted(set(story_ids))
    if not wanted or not chat_ids:
        return out
    joined, article_id = sent_article_ids(backend)
    for chats in dialect.id_chunks(sorted(set(chat_ids))):
        sent = (
            sa.select(deliveries.c.chat_id.label("chat_id"), article_id.label("article_id"))
            .select_from(joined)
            .where(deliveries.c.chat_id.in_(chats))
            .subquery()
        )
        for part in dialect.id_chunks(wanted):
            stmt = (
                sa.select(sent.c.chat_id, articles.c.story_id, articles.c.source)
                .distinct()
                .join_from(sent, articles, articles.c.id == sent.c.article_id)
                .where(articles.c.story_id.in_(part))
            )
            for chat_id, story_id, source in await conn.execute(stmt):
                out[int(chat_id)].setdefault(int(story_id), set()).add(source)
    return out
