"""Two processes storing reports of one event at the same moment: one story, not two.

Each process has its own store (its own connections) and its own writer, as the bot's feed poll
and an operator's ``python -m bot ingest`` have.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.ingest import open_store
from bot.ingest.writer import ArticleWriter
from bot.store.records import AddResult, NewArticle, StoriesOf
from bot.store.sql_store import SqlStore
from tests.story_reports import report

NOON = datetime(2026, 3, 27, 4, 0, tzinfo=UTC)


def _clock() -> datetime:
    return NOON + timedelta(hours=6)


@pytest.fixture
async def two_stores(contract_database_url: str) -> AsyncIterator[tuple[SqlStore, SqlStore]]:
    one = await open_store(contract_database_url)
    two = await open_store(contract_database_url)
    try:
        yield one, two
    finally:
        await one.close()
        await two.close()


class Gate:
    """The real store, except that its insert says it was reached (``reached``), waits for
    ``opens``, and says when it is over (``over``)."""

    def __init__(self, store: SqlStore, *, opens: asyncio.Event) -> None:
        self._store = store
        self.opens = opens
        self.reached = asyncio.Event()
        self.over = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def add_articles(
        self, articles: Sequence[NewArticle], *, stories: StoriesOf | None = None
    ) -> AddResult:
        self.reached.set()
        await self.opens.wait()
        try:
            return await self._store.add_articles(articles, stories=stories)
        finally:
            self.over.set()


async def _story_of(store: SqlStore, article_id: int) -> int | None:
    article = await store.get_article(article_id)
    assert article is not None
    return article.story_id


async def test_reports_stored_at_once_by_two_processes_join_one_story(
    two_stores: tuple[SqlStore, SqlStore],
) -> None:
    store_a, store_b = two_stores
    # A inserts once B has caught up (B reached its insert); B inserts once A is done.
    gated_b = Gate(store_b, opens=asyncio.Event())
    gated_a = Gate(store_a, opens=gated_b.reached)
    writer_a = ArticleWriter(gated_a, clock=_clock)  # type: ignore[arg-type]
    writer_b = ArticleWriter(gated_b, clock=_clock)  # type: ignore[arg-type]
    # Both have built their stories before the event is reported.
    gated_b.opens.set()
    await writer_b.write([report("food_check", source="daily.example.cn", published=NOON)])
    gated_b.reached.clear()
    gated_b.opens = gated_a.over
    written_a, written_b = await asyncio.gather(
        writer_a.write([report("honour_daily", source="daily.example.cn", published=NOON)]),
        writer_b.write([report("honour_evening", source="evening.example.cn", published=NOON)]),
    )
    (daily,), (evening,) = written_a.added, written_b.added
    assert await _story_of(store_a, daily) == daily
    assert await _story_of(store_a, evening) == daily
    row = (await store_a.get_stories([daily]))[daily]
    assert (row.size, row.sources) == (2, 2)
    assert await store_a.get_stories([evening]) == {}


def _round(key: str, source: str, n: int) -> NewArticle:
    """The report of the ``n``-th event: a week after the one before (its story closed), its
    own text and URL."""
    published = NOON + timedelta(days=7 * n)
    article = report(key, source=source, published=published)
    return replace(
        article, content_hash=f"{article.content_hash}-{n}", url=f"{article.url}?round={n}"
    )


async def test_writers_storing_at_once_never_split_an_event(
    backend: str, two_stores: tuple[SqlStore, SqlStore]
) -> None:
    if backend != "postgresql":
        pytest.skip("concurrent transactions of two connections: PostgreSQL's case")
    store_a, store_b = two_stores
    far = NOON + timedelta(days=7 * 40)
    writer_a = ArticleWriter(store_a, clock=lambda: far)
    writer_b = ArticleWriter(store_b, clock=lambda: far)
    for n in range(20):
        written_a, written_b = await asyncio.gather(
            writer_a.write([_round("honour_daily", "daily.example.cn", n)]),
            writer_b.write([_round("honour_evening", "evening.example.cn", n)]),
        )
        (first,), (second,) = written_a.added, written_b.added
        stories = {await _story_of(store_a, first), await _story_of(store_a, second)}
        assert len(stories) == 1, f"event {n} split into stories {stories}"
