"""Ranked full-text search: FTS5 bm25 on SQLite, ts_rank_cd on PostgreSQL, title above body.

See bot.store.fulltext for the matching rule (every query token, whole tokens, no prefixes).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import fulltext
from bot.store.articles import articles_by_ids, fts_match_ids
from bot.store.records import SearchHit, SearchResult
from bot.store.schema import articles, postgresql_articles_fts, sqlite_articles_fts
from bot.store.snippets import make_snippet

# bm25 column weights (title, body) for SQLite; PostgreSQL weighs title A=1.0 over body B=0.4.
SQLITE_TITLE_WEIGHT = 5.0
SQLITE_BODY_WEIGHT = 1.0


def _sqlite_ranking(query: str) -> sa.Select[Any]:
    fts = sqlite_articles_fts
    rank = sa.func.bm25(
        sa.literal_column("articles_fts"), SQLITE_TITLE_WEIGHT, SQLITE_BODY_WEIGHT
    ).label("rank")
    matched = (
        sa.select(fts.c.rowid.label("id"), rank)
        .where(sa.literal_column("articles_fts").op("MATCH")(query))
        .subquery()
    )
    # bm25 is lower-is-better; the score handed out is its negation (higher is better).
    return (
        sa.select(
            matched.c.id,
            (-matched.c.rank).label("score"),
            sa.func.count().over().label("total"),
        )
        .join_from(matched, articles, articles.c.id == matched.c.id)
        .order_by(matched.c.rank, articles.c.sort_at.desc(), articles.c.id.desc())
    )


def _postgresql_ranking(query: str) -> sa.Select[Any]:
    fts = postgresql_articles_fts
    tsquery = sa.cast(sa.literal(query, sa.Text), postgresql.TSQUERY)
    score = sa.func.ts_rank_cd(fts.c.document, tsquery).label("score")
    return (
        sa.select(fts.c.article_id.label("id"), score, sa.func.count().over().label("total"))
        .where(fts.c.document.op("@@")(tsquery))
        .order_by(score.desc(), fts.c.sort_at.desc(), fts.c.article_id.desc())
    )


async def search(
    conn: AsyncConnection, backend: str, text: str, *, limit: int, offset: int
) -> SearchResult:
    """A page of hits for user text; an empty result with a reason when nothing is usable."""
    if not text.strip():
        return SearchResult(hits=(), tokens=(), reason="empty_query")
    tokens = fulltext.query_tokens(text)
    if not tokens:
        return SearchResult(hits=(), tokens=(), reason="no_tokens")
    limit = max(0, limit)
    offset = max(0, offset)
    if backend == "sqlite":
        query = fulltext.fts5_query(tokens)
        ranking = _sqlite_ranking(query)
    else:
        query = fulltext.tsquery_text(tokens)
        ranking = _postgresql_ranking(query)
    rows = (await conn.execute(ranking.limit(limit).offset(offset))).all()
    total = rows[0].total if rows else 0
    if not rows and offset:
        # Past the last page: the count still tells the caller how many there are.
        matched = fts_match_ids(backend, query).subquery()
        total = (await conn.execute(sa.select(sa.func.count()).select_from(matched))).scalar_one()
    found = await articles_by_ids(conn, [row.id for row in rows])
    hits = []
    for row in rows:
        article = found.get(row.id)
        if article is None:
            continue
        snippet, highlights = make_snippet(article.digest, article.body, tokens)
        hits.append(
            SearchHit(
                article=article, score=float(row.score), snippet=snippet, highlights=highlights
            )
        )
    return SearchResult(hits=tuple(hits), tokens=tokens, total=int(total))
