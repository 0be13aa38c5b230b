"""Ranked full-text search: FTS5 bm25 on SQLite, ts_rank_cd on PostgreSQL, title above body.

See bot.store.fulltext for the matching rule (every query token, whole tokens, no prefixes).

Bounded ranking: a query ranks only its ``RANK_CANDIDATES`` most recently stored matches (the
highest article ids), not every match. Scoring reads each candidate's whole index entry (bm25
over FTS5 position lists, ts_rank_cd over a tsvector that PostgreSQL keeps out of line in TOAST
storage), so ranking every match of a common word costs time in proportion to the corpus; with
the bound a query costs one index lookup for the matching ids plus a fixed amount of scoring.
Within the candidates the order is the contract: higher score first (title above body), newer
first on ties. The price: a strong match older than the ``RANK_CANDIDATES`` newest matches is
not shown, and pages past the ``RANK_CANDIDATES``-th hit are empty.

One hit per story: of the ranked candidates that belong to one story (articles.story_id) only
the best ranked is a hit; ``ranked`` then counts stories, ``total`` still counts articles.

``total`` counts every match exactly, except on PostgreSQL for a query whose words ANALYZE's
statistics put in at least ``WALK_SHARE`` of all articles. Finding the newest matches through
the GIN index means visiting every match, which for such a word is a large part of the table;
walking the articles newest first and testing each is cheaper there (about
RANK_CANDIDATES / share rows), and ``total`` is then the statistics' estimate (share times
rows), at least as many as the hits shown.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import dialect, fulltext
from bot.store.lexeme_stats import lexeme_stats
from bot.store.records import SearchHit, SearchResult
from bot.store.rows import stored_article
from bot.store.schema import articles, postgresql_articles_fts, sqlite_articles_fts
from bot.store.snippets import make_snippet

# How many of the newest matches a query ranks (see the module docstring).
RANK_CANDIDATES = 200
# PostgreSQL: from this estimated share of articles matching, walk newest first (see above).
# Measured at 100,000 articles: a word in 9% of them costs the same either way.
WALK_SHARE = 0.12

# bm25 column weights (title, body) for SQLite; PostgreSQL weighs title A=1.0 over body B=0.4.
SQLITE_TITLE_WEIGHT = 5.0
SQLITE_BODY_WEIGHT = 1.0

# PostgreSQL's planner costs `document @@ query` as a cheap operator and so may pick a plan that
# tests it row by row (a sequential scan, or a walk down the primary key), which fetches every
# tsvector from TOAST. Inside the search transaction only bitmap scans are allowed: the GIN
# index answers the match and no tsvector is read except those of the ranked candidates.
# Parallel workers are not worth their start-up for a query of a few milliseconds.
# One statement (set_config(..., true) is SET LOCAL), so the settings cost one round trip.
_PG_PLANNER_SETTINGS = (
    "SELECT set_config('enable_seqscan', 'off', true), "
    "set_config('enable_indexscan', 'off', true), "
    "set_config('max_parallel_workers_per_gather', '0', true)"
)
# For very common words: walk the primary key newest first, testing each row, until the
# candidates are found; a bitmap over the index would visit every match first.
_PG_WALK_SETTINGS = (
    "SELECT set_config('enable_seqscan', 'off', true), "
    "set_config('enable_bitmapscan', 'off', true), "
    "set_config('max_parallel_workers_per_gather', '0', true)"
)


def _sqlite_ranking(query: str) -> sa.Select[Any]:
    fts = sqlite_articles_fts
    match = sa.literal_column("articles_fts").op("MATCH")(query)
    rank = sa.func.bm25(
        sa.literal_column("articles_fts"), SQLITE_TITLE_WEIGHT, SQLITE_BODY_WEIGHT
    ).label("rank")
    # FTS5 walks its doclists in descending rowid order and stops after the candidates, so
    # bm25 is computed for those rows only.
    candidates = (
        sa.select(fts.c.rowid.label("id"), rank)
        .where(match)
        .order_by(fts.c.rowid.desc())
        .limit(RANK_CANDIDATES)
        .subquery()
    )
    # FTS5 counts from its doclists alone (the index is contentless): no table row is read.
    total = sa.select(sa.func.count()).select_from(fts).where(match).scalar_subquery()
    # bm25 is lower-is-better; the score handed out is its negation (higher is better).
    order = (candidates.c.rank, articles.c.sort_at.desc(), articles.c.id.desc())
    return _one_per_story(
        sa.select(
            articles,
            (-candidates.c.rank).label("score"),
            total.label("total"),
            _story_rank(order),
        ).join_from(candidates, articles, articles.c.id == candidates.c.id)
    )


def _story_rank(order: tuple[Any, ...]) -> sa.Label[int]:
    """Each candidate's place within its story (1: the story's best); an article without a
    story is a story of its own."""
    story = sa.func.coalesce(articles.c.story_id, -articles.c.id)
    return sa.func.row_number().over(partition_by=story, order_by=order).label("story_rank")


def _one_per_story(ranking: sa.Select[Any]) -> sa.Select[Any]:
    """The ranking with only each story's best candidate, and how many stories there are."""
    ranked = ranking.subquery("ranked_candidates")
    return (
        sa.select(ranked, sa.func.count().over().label("stories"))
        .where(ranked.c.story_rank == 1)
        .order_by(ranked.c.score.desc(), ranked.c.sort_at.desc(), ranked.c.id.desc())
    )


def _postgresql_ranking(query: str, *, count: bool) -> sa.Select[Any]:
    fts = postgresql_articles_fts
    tsquery = sa.cast(sa.literal(query, sa.Text), postgresql.TSQUERY)
    # The candidates come from the GIN index with their ids only; the window count rides on the
    # same scan, so the exact total costs no second lookup. A walk down the primary key stops
    # at the last candidate and so cannot count.
    total = sa.func.count().over() if count else sa.null()
    candidates = (
        sa.select(fts.c.article_id, total.label("total"))
        .where(fts.c.document.op("@@")(tsquery))
        .order_by(fts.c.article_id.desc())
        .limit(RANK_CANDIDATES)
        .cte("candidates")
        .prefix_with("MATERIALIZED")
    )
    ranked = fts.alias("ranked")
    score = sa.func.ts_rank_cd(ranked.c.document, tsquery).label("score")
    # The articles' own rows come with the page, in the same statement.
    order = (score.desc(), articles.c.sort_at.desc(), articles.c.id.desc())
    return _one_per_story(
        sa.select(articles, score, candidates.c.total, _story_rank(order))
        .join_from(candidates, ranked, ranked.c.article_id == candidates.c.article_id)
        .join(articles, articles.c.id == candidates.c.article_id)
    )


async def _count(conn: AsyncConnection, backend: str, query: str) -> int:
    matched = dialect.match_ids(backend, query).subquery()
    return int((await conn.execute(sa.select(sa.func.count()).select_from(matched))).scalar_one())


async def search(
    conn: AsyncConnection,
    backend: str,
    analyzer: fulltext.Analyzer,
    text: str,
    *,
    limit: int,
    offset: int,
) -> SearchResult:
    """A page of hits for user text, ranked among the newest matches (see module docstring);
    an empty result with a reason when nothing is usable."""
    if not text.strip():
        return SearchResult(hits=(), tokens=(), reason="empty_query")
    tokens = fulltext.query_tokens(text, analyzer)
    if not tokens:
        return SearchResult(hits=(), tokens=(), reason="no_tokens")
    limit = max(0, limit)
    offset = max(0, offset)
    query = dialect.all_tokens_query(backend, tokens)
    if backend == "sqlite":
        rows = (await conn.execute(_sqlite_ranking(query).limit(limit).offset(offset))).all()
        walk, estimate = False, 0
    else:
        stats = await lexeme_stats(conn)
        share = stats.share(tokens)
        walk = share >= WALK_SHARE
        estimate = round(share * stats.rows)
        await conn.exec_driver_sql(_PG_WALK_SETTINGS if walk else _PG_PLANNER_SETTINGS)
        ranking = _postgresql_ranking(query, count=not walk).limit(limit).offset(offset)
        rows = (await conn.execute(ranking)).all()
    if walk:
        total = max(estimate, offset + len(rows))
    elif rows:
        total = int(rows[0].total)
    else:
        # Past the last ranked page the count still tells the caller how many there are.
        total = await _count(conn, backend, query) if offset or not limit else 0
    hits = []
    for row in rows:
        article = stored_article(row)
        snippet, highlights = make_snippet(
            article.digest, article.body, tokens, normalize=analyzer.normalize
        )
        hits.append(
            SearchHit(
                article=article, score=float(row.score), snippet=snippet, highlights=highlights
            )
        )
    # Stories among the ranked candidates, as far as paging goes; past the last page the
    # articles' count bounds it.
    stories = int(rows[0].stories) if rows else min(total, RANK_CANDIDATES)
    return SearchResult(
        hits=tuple(hits),
        tokens=tokens,
        total=total,
        ranked=min(stories, total, RANK_CANDIDATES),
        total_is_estimate=walk,
    )
