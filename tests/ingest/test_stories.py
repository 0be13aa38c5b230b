"""Stories at ingest: the writer groups reports of one event across outlets, on both backends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.ingest.writer import ArticleWriter
from bot.store.records import (
    AddResult,
    GroupedAfter,
    NewArticle,
    StoriesOf,
    StoryAssignment,
)
from bot.store.sql_store import SqlStore
from tests.story_reports import report

NOON = datetime(2026, 3, 27, 4, 0, tzinfo=UTC)


def _clock() -> datetime:
    return NOON + timedelta(hours=6)


async def _story_of(store: SqlStore, article_id: int) -> int | None:
    article = await store.get_article(article_id)
    assert article is not None
    return article.story_id


async def test_two_outlets_one_story_and_another_event_in_the_same_city(store: SqlStore) -> None:
    writer = ArticleWriter(store, clock=_clock)
    daily = report("honour_daily", source="daily.example.cn", published=NOON)
    evening = report("honour_evening", source="evening.example.cn", published=NOON)
    food = report("food_check", source="daily.example.cn", published=NOON)
    written = await writer.write([daily, replace(evening, published_at=NOON + timedelta(hours=1))])
    first, second = written.added
    (other,) = (await writer.write([food])).added
    story = await _story_of(store, first)
    assert story == first  # a story is named by the article that started it
    assert await _story_of(store, second) == story
    assert await _story_of(store, other) == other
    rows = await store.get_stories([story, other])
    assert (rows[story].size, rows[story].sources) == (2, 2)
    assert (rows[other].size, rows[other].sources) == (1, 1)
    assert rows[story].first_seen_at <= rows[story].last_seen_at
    # The fuller report speaks for the story (the earlier one on a tie).
    fuller = second if len(evening.body) > len(daily.body) else first
    assert rows[story].representative_id == fuller


async def test_a_restarted_writer_rebuilds_its_stories_from_the_store(store: SqlStore) -> None:
    first = ArticleWriter(store, clock=_clock)
    (daily,) = (
        await first.write([report("honour_daily", source="daily.example.cn", published=NOON)])
    ).added
    (food,) = (
        await first.write([report("food_check", source="daily.example.cn", published=NOON)])
    ).added
    # A new process: the third outlet's report joins the story stored before the restart.
    later = NOON + timedelta(hours=5)
    again = ArticleWriter(store, clock=_clock)
    (radio,) = (
        await again.write([report("honour_radio", source="radio.example.cn", published=later)])
    ).added
    assert await _story_of(store, radio) == daily
    assert await _story_of(store, food) == food
    row = (await store.get_stories([daily]))[daily]
    assert (row.size, row.sources) == (2, 2)


async def test_a_failed_story_write_stores_nothing_and_the_index_recovers(
    store: SqlStore,
) -> None:
    class LosesStories:
        """The real store, except that while ``down`` the insert fails once the stories are
        asked for."""

        down = True

        def __getattr__(self, name: str) -> Any:
            return getattr(store, name)

        async def add_articles(
            self, articles: Sequence[NewArticle], *, stories: StoriesOf | None = None
        ) -> AddResult:
            if not self.down:
                return await store.add_articles(articles, stories=stories)

            async def failing(
                ids: Sequence[int | None], grouped_after: GroupedAfter
            ) -> Sequence[StoryAssignment]:
                assert stories is not None
                await stories(ids, grouped_after)  # the index takes them in, then it fails
                raise ConnectionError("database went away")

            return await store.add_articles(articles, stories=failing)

    reports = [
        report("honour_daily", source="daily.example.cn", published=NOON),
        report("honour_evening", source="evening.example.cn", published=NOON),
    ]
    lossy = LosesStories()
    broken = ArticleWriter(lossy, clock=_clock)  # type: ignore[arg-type]
    with pytest.raises(ConnectionError):
        await broken.write(reports)
    # Articles and stories are one transaction: neither was stored.
    assert await store.latest_articles(limit=5) == []
    # The writer's index forgot what it took in: the same reports are stored and grouped.
    lossy.down = False  # the database is back
    daily, evening = (await broken.write(reports)).added
    assert await _story_of(store, daily) == daily
    assert await _story_of(store, evening) == daily


async def test_documents_retried_alone_after_a_failed_batch_still_join_their_stories(
    store: SqlStore,
) -> None:
    class FailsOnceAfterStories:
        """The real store, except that the first batch fails once its stories were taken in."""

        failed = False

        def __getattr__(self, name: str) -> Any:
            return getattr(store, name)

        async def add_articles(
            self, articles: Sequence[NewArticle], *, stories: StoriesOf | None = None
        ) -> AddResult:
            if self.failed or stories is None:
                return await store.add_articles(articles, stories=stories)

            async def failing(
                ids: Sequence[int | None], grouped_after: GroupedAfter
            ) -> Sequence[StoryAssignment]:
                assert stories is not None
                await stories(ids, grouped_after)
                self.failed = True
                raise ConnectionError("connection reset")

            return await store.add_articles(articles, stories=failing)

    writer = ArticleWriter(FailsOnceAfterStories(), clock=_clock)  # type: ignore[arg-type]
    daily = report("honour_daily", source="daily.example.cn", published=NOON)
    evening = report("honour_evening", source="evening.example.cn", published=NOON)
    first, second = await writer.write_each([[daily], [evening]])
    assert not isinstance(first, Exception) and not isinstance(second, Exception)
    (daily_id,), (evening_id,) = first.added, second.added
    # Each was stored in a transaction of its own, and with its story, not left without one.
    assert await _story_of(store, daily_id) == daily_id
    assert await _story_of(store, evening_id) == daily_id


async def test_articles_stored_without_a_story_are_grouped_at_the_next_start(
    store: SqlStore,
) -> None:
    """Rows stored by another path (an import, an older version) get their story when a
    writer next builds its index."""
    daily, evening = (
        await store.add_articles(
            [
                report("honour_daily", source="daily.example.cn", published=NOON),
                report("honour_evening", source="evening.example.cn", published=NOON),
            ]
        )
    ).added
    assert await _story_of(store, daily) is None
    writer = ArticleWriter(store, clock=_clock)
    food = await writer.write([report("food_check", source="daily.example.cn", published=NOON)])
    assert await _story_of(store, daily) == daily
    assert await _story_of(store, evening) == daily
    assert await _story_of(store, food.added[0]) == food.added[0]


async def test_another_process_story_is_joined_not_duplicated(store: SqlStore) -> None:
    one = ArticleWriter(store, clock=_clock)
    two = ArticleWriter(store, clock=_clock)
    await two.write([report("food_check", source="daily.example.cn", published=NOON)])
    (daily,) = (
        await one.write([report("honour_daily", source="daily.example.cn", published=NOON)])
    ).added
    # ``two`` built its index before ``one`` stored the story; it catches up before writing.
    (radio,) = (
        await two.write([report("honour_radio", source="radio.example.cn", published=NOON)])
    ).added
    assert await _story_of(store, radio) == daily
