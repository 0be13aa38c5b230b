"""Category queries: the article leads a retag reads, its batched writes, and store_meta.

The store never classifies: the caller (bot.ingest.retag) reads leads, runs the model and hands
back one ``ArticleCategory`` per article.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import dialect
from bot.store.records import ArticleCategory, ArticleLead
from bot.store.schema import articles, store_meta


async def article_leads(
    conn: AsyncConnection, *, after: int, limit: int, chars: int, uncategorized: bool
) -> list[ArticleLead]:
    """Title and the first ``chars`` characters of the body, in id order from ``after``."""
    stmt = (
        sa.select(articles.c.id, articles.c.title, sa.func.substr(articles.c.body, 1, chars))
        .where(articles.c.id > after)
        .order_by(articles.c.id)
        .limit(limit)
    )
    if uncategorized:
        stmt = stmt.where(articles.c.category.is_(None))
    rows = await conn.execute(stmt)
    return [ArticleLead(id=int(i), title=title, lead=lead or "") for i, title, lead in rows]


async def count_uncategorized(conn: AsyncConnection) -> int:
    """How many articles have no category yet."""
    stmt = sa.select(sa.func.count()).select_from(articles).where(articles.c.category.is_(None))
    return int((await conn.execute(stmt)).scalar_one())


async def set_categories(conn: AsyncConnection, tags: Sequence[ArticleCategory]) -> None:
    """Write each article's category in one executemany."""
    if not tags:
        return
    stmt = (
        articles.update()
        .where(articles.c.id == sa.bindparam("article_id"))
        .values(
            category=sa.bindparam("new_category"),
            category_confidence=sa.bindparam("new_confidence"),
            category_second=sa.bindparam("new_second"),
        )
    )
    await conn.execute(
        stmt,
        [
            {
                "article_id": tag.article_id,
                "new_category": tag.category,
                "new_confidence": tag.confidence,
                "new_second": tag.second,
            }
            for tag in tags
        ],
    )


async def get_meta(conn: AsyncConnection, key: str) -> str | None:
    """The value stored under ``key``, or None."""
    stmt = sa.select(store_meta.c.value).where(store_meta.c.key == key)
    value = (await conn.execute(stmt)).scalar_one_or_none()
    return None if value is None else str(value)


async def set_meta(conn: AsyncConnection, backend: str, key: str, value: str) -> None:
    """Store ``value`` under ``key``, replacing what was there."""
    stmt = dialect.insert(backend, store_meta).values(key=key, value=value)
    await conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))
