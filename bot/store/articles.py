"""Article queries: add with dedupe and indexing, read, and the chat's matching articles."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import fulltext
from bot.store.deliveries import sent_article_ids
from bot.store.records import AddResult, NewArticle, StoredArticle
from bot.store.rows import article_values, stored_article
from bot.store.schema import (
    article_topics,
    articles,
    deliveries,
    postgresql_articles_fts,
    sqlite_articles_fts,
    subscriptions,
)
from summaries.tokens import search_tokens

NEWEST_FIRST = (articles.c.sort_at.desc(), articles.c.id.desc())


def _insert(backend: str, table: sa.Table) -> Any:
    return (postgresql.insert if backend == "postgresql" else sqlite.insert)(table)


async def add_articles(
    conn: AsyncConnection, backend: str, batch: Sequence[NewArticle], *, now: datetime
) -> AddResult:
    """Insert new articles with their index rows; duplicates (hash or url) are skipped."""
    added: list[int] = []
    duplicates = 0
    for article in batch:
        values = article_values(article, now=now)
        # ON CONFLICT DO NOTHING covers both unique keys (content_hash and url), also against
        # a row another process committed a moment ago.
        stmt = _insert(backend, articles).values(values).on_conflict_do_nothing()
        article_id = (await conn.execute(stmt.returning(articles.c.id))).scalar_one_or_none()
        if article_id is None:
            duplicates += 1
            continue
        added.append(article_id)
        await _index(conn, backend, article_id, article, sort_at=values["sort_at"])
    return AddResult(added=tuple(added), duplicates=duplicates)


async def _index(
    conn: AsyncConnection, backend: str, article_id: int, article: NewArticle, *, sort_at: datetime
) -> None:
    title_tokens = search_tokens(article.title)
    body_tokens = search_tokens(article.body)
    if backend == "sqlite":
        await conn.execute(
            sqlite_articles_fts.insert().values(
                rowid=article_id,
                title=fulltext.document_text(title_tokens),
                body=fulltext.document_text(body_tokens),
            )
        )
    else:
        document = fulltext.tsvector_text(title_tokens, body_tokens)
        await conn.execute(
            postgresql_articles_fts.insert().values(
                article_id=article_id,
                document=sa.cast(sa.literal(document, sa.Text), postgresql.TSVECTOR),
                sort_at=sort_at,
            )
        )
    topics = list(dict.fromkeys(article.topics))
    if topics:
        await conn.execute(
            article_topics.insert(), [{"topic": t, "article_id": article_id} for t in topics]
        )


async def get_article(conn: AsyncConnection, article_id: int) -> StoredArticle | None:
    """One article by id."""
    row = (await conn.execute(sa.select(articles).where(articles.c.id == article_id))).first()
    return stored_article(row) if row is not None else None


async def articles_by_ids(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, StoredArticle]:
    """Articles by id (missing ids are left out)."""
    if not ids:
        return {}
    rows = await conn.execute(sa.select(articles).where(articles.c.id.in_(list(ids))))
    return {row.id: stored_article(row) for row in rows}


async def latest_articles(conn: AsyncConnection, *, limit: int, offset: int) -> list[StoredArticle]:
    """Newest first."""
    stmt = sa.select(articles).order_by(*NEWEST_FIRST).limit(limit).offset(offset)
    return [stored_article(row) for row in await conn.execute(stmt)]


def fts_match_ids(backend: str, query: str) -> sa.Select[Any]:
    """Ids of articles whose index matches a prepared FTS5 query or tsquery text."""
    if backend == "sqlite":
        fts = sqlite_articles_fts
        return sa.select(fts.c.rowid).where(sa.literal_column("articles_fts").op("MATCH")(query))
    pg = postgresql_articles_fts
    tsquery = sa.cast(sa.literal(query, sa.Text), postgresql.TSQUERY)
    return sa.select(pg.c.article_id).where(pg.c.document.op("@@")(tsquery))


def subscription_match(
    backend: str, topics: Sequence[str], keyword_groups: Sequence[Sequence[str]]
) -> sa.ColumnElement[bool] | None:
    """Articles tagged with any of ``topics`` or holding every token of any keyword group;
    None when there is nothing to match (no topics and no keyword with a token)."""
    groups = [group for group in keyword_groups if group]
    matches: list[sa.ColumnElement[bool]] = []
    if topics:
        by_topic = sa.select(article_topics.c.article_id).where(
            article_topics.c.topic.in_(list(topics))
        )
        matches.append(articles.c.id.in_(by_topic))
    if groups:
        query = (
            fulltext.fts5_any_query(groups)
            if backend == "sqlite"
            else fulltext.tsquery_any_text(groups)
        )
        matches.append(articles.c.id.in_(fts_match_ids(backend, query)))
    return sa.or_(*matches) if matches else None


def _sent_article_ids(backend: str, chat_id: int) -> sa.Select[Any]:
    joined, article_id = sent_article_ids(backend)
    return sa.select(article_id).select_from(joined).where(deliveries.c.chat_id == chat_id)


async def articles_for_chat(
    conn: AsyncConnection, backend: str, chat_id: int, *, limit: int, since: datetime | None
) -> list[StoredArticle]:
    """Newest articles matching the chat's topics or keywords, minus those already sent."""
    subs = (
        await conn.execute(
            sa.select(subscriptions.c.kind, subscriptions.c.value).where(
                subscriptions.c.chat_id == chat_id
            )
        )
    ).all()
    topics = [value for kind, value in subs if kind == "topic"]
    keyword_groups = [fulltext.query_tokens(value) for kind, value in subs if kind == "keyword"]
    match = subscription_match(backend, topics, keyword_groups)
    if match is None:
        return []
    stmt = sa.select(articles).where(
        match, articles.c.id.not_in(_sent_article_ids(backend, chat_id))
    )
    if since is not None:
        stmt = stmt.where(articles.c.sort_at >= since)
    stmt = stmt.order_by(*NEWEST_FIRST).limit(limit)
    return [stored_article(row) for row in await conn.execute(stmt)]
