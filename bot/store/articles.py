"""Article queries: add with dedupe and indexing, read, and the chat's matching articles.

Articles are indexed with the tokens they carry; keyword subscriptions are tokenized by the
store's ``Analyzer`` (see bot.store.fulltext): no language processing happens here.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import dialect, fulltext
from bot.store.deliveries import sent_article_ids
from bot.store.records import REQUIRED_SEPARATOR, AddResult, NewArticle, StoredArticle
from bot.store.rows import article_values, stored_article
from bot.store.schema import (
    article_topics,
    articles,
    chats,
    deliveries,
    feeds,
    subscriptions,
)

NEWEST_FIRST = (articles.c.sort_at.desc(), articles.c.id.desc())


@functools.cache
def _insert_articles(backend: str) -> Any:
    """The INSERT of new articles, built once and executed with a parameter row per article:
    compiled once and cached (a multi-row ``values([...])`` would be compiled afresh for every
    batch). SQLAlchemy still sends the rows as multi-row INSERTs ("insertmanyvalues") and
    returns (id, content_hash, url) of each row inserted.
    """
    # The feed's id, looked up in the same statement (NULL for a feed not registered or none).
    feed_id = (
        sa.select(feeds.c.id)
        .where(feeds.c.url == sa.bindparam("feed_url", type_=sa.Text))
        .scalar_subquery()
    )
    # ON CONFLICT DO NOTHING covers both unique keys (content_hash and url), also against
    # a row another process committed a moment ago, or an earlier row of this batch.
    return (
        dialect.insert(backend, articles)
        .values(feed_id=feed_id)
        .on_conflict_do_nothing()
        .returning(articles.c.id, articles.c.content_hash, articles.c.url)
    )


_INSERT_TOPIC = article_topics.insert()


async def add_articles(
    conn: AsyncConnection, backend: str, batch: Sequence[NewArticle], *, now: datetime
) -> AddResult:
    """Insert new articles with their index rows; duplicates (hash or url) are skipped.

    A few statements per batch, not per article: one executemany each for the articles (their
    ids come back with their content hashes and urls), the index rows and the topic rows.
    """
    values = [article_values(article, now=now) for article in batch]
    found = await conn.execute(_insert_articles(backend), values)
    # By hash and url: of two articles of a batch with one hash, the one refused for its url
    # (stored already) must not take the id of the other, which went in under its own url.
    stored: dict[tuple[str, str | None], int] = {
        (row.content_hash, row.url): row.id for row in found
    }
    ids: list[int | None] = []
    new: list[tuple[int, NewArticle, datetime]] = []
    for article, row in zip(batch, values, strict=True):
        # The first article with a hash took the row; a repeat of it in the batch did not.
        article_id = stored.pop((article.content_hash, article.url), None)
        ids.append(article_id)
        if article_id is not None:
            new.append((article_id, article, row["sort_at"]))
    if new:
        statement, rows = dialect.index_rows(
            backend, [(i, a.title_tokens, a.body_tokens, at) for i, a, at in new]
        )
        await conn.execute(statement, rows)
        topics = [{"topic": t, "article_id": i} for i, a, _ in new for t in dict.fromkeys(a.topics)]
        if topics:
            await conn.execute(_INSERT_TOPIC, topics)
    added = tuple(i for i in ids if i is not None)
    return AddResult(added=added, duplicates=len(ids) - len(added), ids=tuple(ids))


async def _index(
    conn: AsyncConnection, backend: str, article_id: int, article: NewArticle, *, sort_at: datetime
) -> None:
    await conn.execute(
        dialect.index_row(
            backend, article_id, article.title_tokens, article.body_tokens, sort_at=sort_at
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


async def latest_articles(conn: AsyncConnection, *, limit: int, offset: int) -> list[StoredArticle]:
    """Newest first."""
    stmt = sa.select(articles).order_by(*NEWEST_FIRST).limit(limit).offset(offset)
    return [stored_article(row) for row in await conn.execute(stmt)]


def subscription_match(
    backend: str,
    topics: Sequence[str],
    keyword_groups: Sequence[Sequence[str]],
    categories: Sequence[str] = (),
    feed_urls: Sequence[str] = (),
) -> sa.ColumnElement[bool] | None:
    """Articles in any of ``categories`` (primary, or the second one stored beside it), tagged
    with any of ``topics``, holding every token of any keyword group, or come from any of the
    feeds ``feed_urls`` names; None when there is nothing to match."""
    groups = [group for group in keyword_groups if group]
    matches: list[sa.ColumnElement[bool]] = []
    if categories:
        # A second category is stored only when the model gave it at least half the first
        # one's confidence (summaries.categories.SECOND_RATIO): then it counts as well.
        matches.append(articles.c.category.in_(list(categories)))
        matches.append(articles.c.category_second.in_(list(categories)))
    if feed_urls:
        by_feed = sa.select(feeds.c.id).where(feeds.c.url.in_(list(feed_urls)))
        matches.append(articles.c.feed_id.in_(by_feed))
    if topics:
        by_topic = sa.select(article_topics.c.article_id).where(
            article_topics.c.topic.in_(list(topics))
        )
        matches.append(articles.c.id.in_(by_topic))
    if groups:
        query = dialect.any_group_query(backend, groups)
        matches.append(articles.c.id.in_(dialect.match_ids(backend, query)))
    return sa.or_(*matches) if matches else None


def exclusion_filter(
    backend: str, excluded_groups: Sequence[Sequence[str]]
) -> sa.ColumnElement[bool] | None:
    """Articles holding none of the excluded words (each word a group of query tokens, all
    of which must occur for the word to count); None when nothing is excluded.

    Matched against the full-text index, so an excluded word means what a search for it
    means: whole index tokens of the title or body, from the tokenizer that indexed the
    articles (华为 is not in 中华为..., which jieba cuts as 中华 为; "ai" is not in "said").
    Filtering here rather than after fetching keeps the digest's ``limit`` exact (a filter
    after the query would need to refetch when it drops articles) and keeps jieba out of the
    push: the index answers the NOT IN once per query, through the same lookup a search uses.
    """
    groups = [group for group in excluded_groups if group]
    if not groups:
        return None
    query = dialect.any_group_query(backend, groups)
    return articles.c.id.not_in(dialect.match_ids(backend, query))


async def excluded_among(
    conn: AsyncConnection,
    backend: str,
    analyzer: fulltext.Analyzer,
    chat_ids: Sequence[int],
    article_ids: Sequence[int],
) -> dict[int, set[int]]:
    """For each chat with excluded words, which of ``article_ids`` hold one of them (the same
    index match as ``exclusion_filter``); chats without excluded words are left out."""
    if not chat_ids or not article_ids:
        return {}
    s = subscriptions.c
    words: dict[int, list[tuple[str, str]]] = {}
    found = await conn.execute(
        sa.select(s.chat_id, s.value).where(s.kind == "exclude", s.chat_id.in_(list(chat_ids)))
    )
    for chat_id, value in found:
        words.setdefault(int(chat_id), []).append(("exclude", value))
    by_words: dict[tuple[tuple[str, ...], ...], list[int]] = {}
    for chat_id, rows in words.items():
        groups = tuple(sorted(set(chat_words(rows, analyzer)[1])))
        if groups:
            by_words.setdefault(groups, []).append(chat_id)
    out: dict[int, set[int]] = {}
    wanted = sorted(set(article_ids))
    for groups, chats_of_words in by_words.items():
        matching = dialect.match_ids(backend, dialect.any_group_query(backend, list(groups)))
        query = sa.select(articles.c.id).where(
            articles.c.id.in_(wanted), articles.c.id.in_(matching)
        )
        hit = {int(i) for i in (await conn.execute(query)).scalars()}
        for chat_id in chats_of_words:
            out[chat_id] = hit
    return out


def chat_words(
    subs: Sequence[tuple[str, str]], analyzer: fulltext.Analyzer
) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """The keyword token groups and the excluded-word token groups of (kind, value) rows.

    A keyword "新能源 + 电池" (required words) is one group: every token of every word must
    occur, which is how a group matches (see ``subscription_match``). Rows without a
    searchable token are left out.
    """
    keyword_groups: list[tuple[str, ...]] = []
    excluded_groups: list[tuple[str, ...]] = []
    for kind, value in subs:
        if kind not in ("keyword", "exclude"):
            continue
        # Each required word on its own, so the words' tokens never run together.
        parts = value.split(REQUIRED_SEPARATOR) if kind == "keyword" else [value]
        tokens = tuple(dict.fromkeys(t for p in parts for t in fulltext.query_tokens(p, analyzer)))
        if tokens:
            (keyword_groups if kind == "keyword" else excluded_groups).append(tokens)
    return keyword_groups, excluded_groups


def _sent_article_ids(backend: str, chat_id: int) -> sa.Select[Any]:
    joined, article_id = sent_article_ids(backend)
    return sa.select(article_id).select_from(joined).where(deliveries.c.chat_id == chat_id)


async def articles_for_chat(
    conn: AsyncConnection,
    backend: str,
    analyzer: fulltext.Analyzer,
    chat_id: int,
    *,
    limit: int,
    since: datetime | None,
) -> list[StoredArticle]:
    """Newest articles matching the chat's subscriptions, minus those it received and, unless
    it follows story updates, minus the other reports of stories it received."""
    subs = (
        await conn.execute(
            sa.select(subscriptions.c.kind, subscriptions.c.value).where(
                subscriptions.c.chat_id == chat_id
            )
        )
    ).all()
    topics = [value for kind, value in subs if kind == "topic"]
    keyword_groups, excluded_groups = chat_words([(kind, value) for kind, value in subs], analyzer)
    categories = [value for kind, value in subs if kind == "category"]
    feed_urls = [value for kind, value in subs if kind == "feed"]
    match = subscription_match(
        backend, topics, keyword_groups, categories=categories, feed_urls=feed_urls
    )
    if match is None:
        return []
    received = _sent_article_ids(backend, chat_id)
    stmt = sa.select(articles).where(match, articles.c.id.not_in(received))
    follows_updates = (
        await conn.execute(sa.select(chats.c.story_updates).where(chats.c.id == chat_id))
    ).scalar()
    if not follows_updates:
        # Later reports of a story the chat received would only be dropped by the story
        # ranking: leaving them out here keeps them from filling the limit (new stories first).
        earlier = articles.alias("earlier")
        stories = sa.select(earlier.c.story_id).where(
            earlier.c.id.in_(received), earlier.c.story_id.is_not(None)
        )
        stmt = stmt.where(
            sa.or_(articles.c.story_id.is_(None), articles.c.story_id.not_in(stories))
        )
    excluded = exclusion_filter(backend, excluded_groups)
    if excluded is not None:
        stmt = stmt.where(excluded)
    if since is not None:
        stmt = stmt.where(articles.c.sort_at >= since)
    stmt = stmt.order_by(*NEWEST_FIRST).limit(limit)
    return [stored_article(row) for row in await conn.execute(stmt)]
