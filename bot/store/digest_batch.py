"""Digest articles for a whole batch of chats in a few queries, with articles_for_chat's answer.

``articles_for_chat`` (bot.store.articles) costs a few queries per chat. A push handles
thousands of chats at once, and most of them share their subscriptions, so here the chats are
grouped by their set of categories, topics and keyword queries: each distinct set is matched
once (ids only, newest first), the articles each chat already received in a sent delivery are
looked up among those candidates only, and the articles finally picked are read once for the
batch.

The matching is the same as ``articles_for_chat``'s (``subscription_match``): a category
subscription matches an article's category or its stored second one, a topic subscription the
article_topics rows, a keyword subscription its query tokens in the full-text index (any
keyword), a feed subscription the articles whose feed_id is that feed's; ordered by
(sort_at, id) descending, minus every article of the deliveries the chat received (sent, or
failed after some parts went out: ``sent_article_ids``), minus, unless the chat follows story
updates, every other report of a story it received (so later reports of one story cannot fill
the window that new stories need), minus every article holding one of the chat's excluded
words (``exclusion_filter``).
tests/delivery/test_digest_batch.py checks that both agree on both backends.
The store reaches it as ``SqlStore.articles_for_chats``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import dialect, fulltext
from bot.store.articles import NEWEST_FIRST, chat_words, exclusion_filter, subscription_match
from bot.store.deliveries import sent_article_ids
from bot.store.records import StoredArticle
from bot.store.rows import stored_article
from bot.store.schema import articles, chats, deliveries, subscriptions

# Candidates read per subscription set at first: enough unless chats received many of them.
FIRST_WINDOW = 50

# (sorted topics, sorted keyword token groups, sorted categories, sorted feed URLs): chats with
# equal keys get the same candidates.
SubscriptionKey = tuple[
    tuple[str, ...], tuple[tuple[str, ...], ...], tuple[str, ...], tuple[str, ...]
]
# Sorted token groups of a chat's excluded words. Chats share candidates only when their
# excluded words are the same too: the index filters them out in the candidates query, so the
# limit stays exact and no jieba runs in the push. The price is a group (two queries) per
# distinct set of excluded words; measured on 5,000 articles, 10,000 chats in batches of 200:
# 6.5 s (SQLite) / 2.2 s (PostgreSQL) with no exclusions, 12.8 / 7.0 s when 10% of chats
# exclude their own 3 words, 89 / 40 s when every chat does; a push of 10,000 chats takes at
# least 333 s at Telegram's 30 messages a second.
Excluded = tuple[tuple[str, ...], ...]


async def articles_for_chats(
    conn: AsyncConnection,
    backend: str,
    chat_ids: Sequence[int],
    *,
    limit: int,
    analyzer: fulltext.Analyzer,
    first_window: int = FIRST_WINDOW,
) -> dict[int, list[StoredArticle]]:
    """For each chat, what ``articles_for_chat(chat_id, limit=limit)`` returns (no ``since``);
    keywords are tokenized by ``analyzer`` (the store's). ``conn`` is in one transaction, so
    that every read sees the same articles."""
    ids = sorted(set(chat_ids))
    out: dict[int, list[StoredArticle]] = {chat_id: [] for chat_id in ids}
    if not ids or limit <= 0:
        return out
    groups = await _groups_by_subscriptions(conn, ids, analyzer)
    picked: dict[int, list[int]] = {}
    for (key, excluded), members in groups.items():
        picked.update(await _pick(conn, backend, key, members, limit, first_window, excluded))
    wanted = sorted({article_id for chosen in picked.values() for article_id in chosen})
    rows: dict[int, StoredArticle] = {}
    for part in dialect.id_chunks(wanted):
        found = await conn.execute(sa.select(articles).where(articles.c.id.in_(part)))
        rows.update((int(row.id), stored_article(row)) for row in found)
    for chat_id, chosen in picked.items():
        # An article deleted between the two reads of one transaction cannot happen; a missing
        # row is skipped rather than trusted.
        out[chat_id] = [rows[i] for i in chosen if i in rows]
    return out


async def _groups_by_subscriptions(
    conn: AsyncConnection, chat_ids: Sequence[int], analyzer: fulltext.Analyzer
) -> dict[tuple[SubscriptionKey, Excluded], list[int]]:
    topics: dict[int, set[str]] = defaultdict(set)
    words: dict[int, list[tuple[str, str]]] = defaultdict(list)
    categories: dict[int, set[str]] = defaultdict(set)
    followed: dict[int, set[str]] = defaultdict(set)
    s = subscriptions.c
    for part in dialect.id_chunks(chat_ids):
        found = await conn.execute(sa.select(s.chat_id, s.kind, s.value).where(s.chat_id.in_(part)))
        for chat_id, kind, value in found:
            if kind == "topic":
                topics[int(chat_id)].add(value)
            elif kind in ("keyword", "exclude"):
                words[int(chat_id)].append((kind, value))
            elif kind == "category":
                categories[int(chat_id)].add(value)
            elif kind == "feed":
                followed[int(chat_id)].add(value)
    groups: dict[tuple[SubscriptionKey, Excluded], list[int]] = defaultdict(list)
    for chat_id in chat_ids:
        keywords, excluded = chat_words(words[chat_id], analyzer)
        key = (
            tuple(sorted(topics[chat_id])),
            tuple(sorted(set(keywords))),
            tuple(sorted(categories[chat_id])),
            tuple(sorted(followed[chat_id])),
        )
        if any(key):  # no subscription that can match: no articles
            groups[key, tuple(sorted(set(excluded)))].append(chat_id)
    return groups


def _matches(backend: str, key: SubscriptionKey) -> sa.ColumnElement[bool]:
    # Keys that can match nothing never get here (see _groups_by_subscriptions).
    match = subscription_match(backend, *key)
    assert match is not None
    return match


async def _pick(
    conn: AsyncConnection,
    backend: str,
    key: SubscriptionKey,
    members: Sequence[int],
    limit: int,
    first_window: int,
    excluded: Excluded = (),
) -> dict[int, list[int]]:
    """The newest ``limit`` matching ids per chat that no sent delivery of the chat holds."""
    window = max(first_window, limit)
    pending = list(members)
    picked: dict[int, list[int]] = {}
    unwanted = exclusion_filter(backend, excluded)
    wanted = (_matches(backend, key),) if unwanted is None else (_matches(backend, key), unwanted)
    while pending:
        newest = sa.select(articles.c.id).where(*wanted).order_by(*NEWEST_FIRST).limit(window)
        candidates = [int(i) for i in (await conn.execute(newest)).scalars()]
        exhausted = len(candidates) < window
        sent = await _received_among(conn, backend, pending, newest) if candidates else {}
        short: list[int] = []
        for chat_id in pending:
            seen = sent.get(chat_id, set())
            chosen = [i for i in candidates if i not in seen][:limit]
            if len(chosen) < limit and not exhausted:
                short.append(chat_id)  # its sent articles hide too many: look further back
            else:
                picked[chat_id] = chosen
        pending, window = short, window * 4
    return picked


async def _received_among(
    conn: AsyncConnection, backend: str, chat_ids: Sequence[int], candidates: sa.Select[Any]
) -> dict[int, set[int]]:
    """Which of the ``candidates`` (a query of ids) each chat received in a delivery, or, when
    the chat does not follow story updates, belong to a story it received an article of."""
    received: dict[int, set[int]] = defaultdict(set)
    # The candidates go in as a subquery, so a long window binds no long list of ids.
    candidate_ids = sa.select(candidates.subquery().c.id)
    by_story: dict[int, set[int]] = defaultdict(set)
    found = await conn.execute(
        sa.select(articles.c.id, articles.c.story_id).where(
            articles.c.id.in_(candidate_ids), articles.c.story_id.is_not(None)
        )
    )
    for article_id_, story_id in found:
        by_story[int(story_id)].add(int(article_id_))
    joined, article_id = sent_article_ids(backend)
    earlier = articles.alias("earlier")
    for part in dialect.id_chunks(chat_ids):
        stmt = (
            sa.select(deliveries.c.chat_id, article_id)
            .select_from(joined)
            .where(deliveries.c.chat_id.in_(part), article_id.in_(candidate_ids))
        )
        for chat_id, hit in await conn.execute(stmt):
            received[int(chat_id)].add(int(hit))
        if not by_story:
            continue
        stories = (
            sa.select(deliveries.c.chat_id, earlier.c.story_id)
            .distinct()
            .select_from(
                joined.join(earlier, earlier.c.id == article_id).join(
                    chats, chats.c.id == deliveries.c.chat_id
                )
            )
            .where(
                deliveries.c.chat_id.in_(part),
                chats.c.story_updates == sa.false(),
                earlier.c.story_id.in_(sorted(by_story)),
            )
        )
        for chat_id, story_id in await conn.execute(stories):
            received[int(chat_id)] |= by_story[int(story_id)]
    return received
