"""Contract: news categories in the store, on SQLite and PostgreSQL: the 0007 upgrade of an
older database, category subscriptions (primary and stored second category) in both digest
queries, retag reads and writes, store_meta, and /stats counts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from bot.ingest import open_store
from bot.store.engine import create_engine
from bot.store.migrator import current_revision, head_revision, upgrade
from bot.store.records import ArticleCategory, NewArticle
from bot.store.schema import articles
from bot.store.sql_store import SqlStore
from tests.store.corpus import make_article, seed_headings, seed_paragraphs

EIGHT = time(8, 0)
T0 = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)


def _tagged(n: int, category: str | None, second: str | None = None) -> NewArticle:
    """A seed paragraph as an article of ``category`` (newer for a higher ``n``)."""
    article = make_article(
        seed_headings()[n], seed_paragraphs()[n], published_at=T0 + timedelta(hours=n)
    )
    confidence = None if category is None else 0.6
    return replace(
        article, category=category, category_confidence=confidence, category_second=second
    )


async def _chat(store: SqlStore, chat_id: int) -> None:
    await store.ensure_chat(
        chat_id, type="private", language="zh", timezone="Asia/Shanghai", digest_time=EIGHT
    )


async def test_an_older_database_gains_the_columns_and_keeps_its_articles(
    empty_database_url: str,
) -> None:
    engine = create_engine(empty_database_url)
    old = make_article(seed_headings()[3], seed_paragraphs()[3])
    try:
        assert (await upgrade(engine, "0005")).after == "0005"
        async with engine.begin() as conn:  # a row as the release before categories wrote it
            columns = {c.name for c in articles.columns if not c.name.startswith("category")}
            values = {
                "source": old.source,
                "title": old.title,
                "body": old.body,
                "content_hash": old.content_hash,
                "ingested_at": T0,
                "sort_at": T0,
            }
            assert set(values) <= columns
            await conn.execute(sa.insert(articles).values(values))
    finally:
        await engine.dispose()
    store = await open_store(empty_database_url)
    try:
        assert await current_revision(store.engine) == head_revision()
        (stored,) = await store.latest_articles(limit=5)
        assert (stored.category, stored.category_confidence, stored.category_second) == (
            None,
            None,
            None,
        )
        assert await store.count_uncategorized() == 1
        assert await store.get_meta("category_model") is None
        (lead,) = await store.article_leads(uncategorized=True, chars=10)
        assert (lead.id, lead.title, lead.lead) == (stored.id, old.title, old.body[:10])
        await store.set_categories([ArticleCategory(stored.id, "politics", 0.7, "society")])
        again = await store.get_article(stored.id)
        assert again is not None
        assert (again.category, again.category_confidence, again.category_second) == (
            "politics",
            0.7,
            "society",
        )
        assert await store.count_uncategorized() == 0
        assert await store.article_leads(uncategorized=True) == []
    finally:
        await store.close()


async def test_new_articles_keep_their_category(store: SqlStore) -> None:
    result = await store.add_articles([_tagged(1, "sports", "entertainment"), _tagged(2, None)])
    first = await store.get_article(result.added[0])
    second = await store.get_article(result.added[1])
    assert first is not None and second is not None
    assert (first.category, first.category_confidence, first.category_second) == (
        "sports",
        0.6,
        "entertainment",
    )
    assert second.category is None
    assert await store.count_uncategorized() == 1


async def test_store_meta_records_and_replaces(store: SqlStore) -> None:
    assert await store.get_meta("category_model") is None
    await store.set_meta("category_model", "abc")
    await store.set_meta("category_model", "def")
    assert await store.get_meta("category_model") == "def"


async def test_article_leads_page_in_id_order(store: SqlStore) -> None:
    added = (await store.add_articles([_tagged(n, "society") for n in range(1, 6)])).added
    first = await store.article_leads(limit=2)
    rest = await store.article_leads(after=first[-1].id, limit=10)
    assert [lead.id for lead in first + rest] == sorted(added)


async def test_a_category_subscription_matches_the_primary_and_a_stored_second(
    store: SqlStore,
) -> None:
    ids = (
        await store.add_articles(
            [
                _tagged(1, "sports"),
                _tagged(2, "finance"),
                _tagged(3, "entertainment", second="sports"),  # close second: it counts
                _tagged(4, "finance", second="politics"),
                _tagged(5, None),  # not classified yet: no category matches it
            ]
        )
    ).added
    for chat_id in (1, 2, 3):
        await _chat(store, chat_id)
    assert await store.add_subscription(1, "category", "sports") == "added"
    await store.add_subscription(2, "category", "finance")
    await store.add_subscription(2, "keyword", "志愿者")
    await store.add_subscription(2, "topic", "volunteer")
    await store.add_subscription(3, "keyword", "志愿者")  # no category: same as before

    sports = [a.id for a in await store.articles_for_chat(1)]
    assert sports == [ids[2], ids[0]]  # newest first
    finance = {a.id for a in await store.articles_for_chat(2)}
    assert {ids[1], ids[3]} <= finance and ids[0] not in finance and ids[2] not in finance
    # Categories come first in a chat's list, then topics, then keywords.
    kinds = [s.kind for s in await store.list_subscriptions(2)]
    assert kinds == ["category", "topic", "keyword"]

    # The push's batch query follows the same rule, chat by chat.
    batch = await store.articles_for_chats([1, 2, 3], limit=10)
    for chat_id in (1, 2, 3):
        alone = [a.id for a in await store.articles_for_chat(chat_id)]
        assert [a.id for a in batch[chat_id]] == alone, chat_id


async def test_stats_count_subscriptions_per_category(store: SqlStore) -> None:
    for chat_id in (1, 2, 3):
        await _chat(store, chat_id)
        await store.add_subscription(chat_id, "category", "sports")
    await store.add_subscription(1, "category", "world")
    await store.add_subscription(1, "topic", "volunteer")
    stats = await store.stats(today=T0.date())
    assert stats.subscriptions_by_category == {"sports": 3, "world": 1}
    assert stats.subscriptions_by_topic == {"volunteer": 1}
    assert stats.keyword_subscriptions == 0
