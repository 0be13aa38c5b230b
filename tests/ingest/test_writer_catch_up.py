"""The writer's catch-up reads only what it has not seen: its own articles are not read back,
another process's are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.ingest.writer import ArticleWriter
from bot.store.records import AddResult, GroupedAfter, NewArticle, StoredSignature, StoriesOf
from bot.store.sql_store import SqlStore
from tests.story_reports import report

NOON = datetime(2026, 3, 27, 4, 0, tzinfo=UTC)


def _report(key: str, source: str, fingerprint: int) -> NewArticle:
    # Fingerprints far apart: no near duplicates, and each article is read by a catch-up.
    return replace(report(key, source=source, published=NOON), fingerprint=fingerprint)


class AskedAfter:
    """The real store, remembering the ``after`` each catch-up query was asked with."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.fingerprints_after: list[int] = []
        self.built_after: list[int] = []  # the story index built from the store
        self.signatures_after: list[int] = []  # other processes' stories, read in the insert

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    async def fingerprints(self, *, after: int = 0) -> list[tuple[int, int]]:
        self.fingerprints_after.append(after)
        return await self.store.fingerprints(after=after)

    async def story_signatures(
        self, *, since: datetime | None = None, after: int = 0
    ) -> list[StoredSignature]:
        self.built_after.append(after)
        return await self.store.story_signatures(since=since, after=after)

    async def add_articles(
        self, articles: Sequence[NewArticle], *, stories: StoriesOf | None = None
    ) -> AddResult:
        async def asked(ids: Sequence[int | None], grouped_after: GroupedAfter) -> Any:
            async def reading(after: int) -> Sequence[StoredSignature]:
                self.signatures_after.append(after)
                return await grouped_after(after)

            assert stories is not None
            return await stories(ids, reading)

        return await self.store.add_articles(articles, stories=asked if stories else None)


async def test_own_articles_are_not_read_back_and_another_process_articles_are(
    store: SqlStore,
) -> None:
    asked = AskedAfter(store)
    one = ArticleWriter(asked, clock=lambda: NOON + timedelta(hours=6))  # type: ignore[arg-type]
    other = ArticleWriter(store, clock=lambda: NOON + timedelta(hours=6))
    (daily,) = (await one.write([_report("honour_daily", "daily.example.cn", 0)])).added
    # Another process stores an article next: the first writer must still read it.
    (evening,) = (
        await other.write([_report("honour_evening", "evening.example.cn", 0xFFFF)])
    ).added
    (food,) = (await one.write([_report("food_check", "daily.example.cn", 0xFFFF_0000)])).added
    # One bit away from the other process's article, which the writer has read: refused.
    radio = await one.write([_report("honour_radio", "radio.example.cn", 0xFFFE)])
    assert (daily, evening, food) == (1, 2, 3)
    # Before each write: nothing seen yet; after its own first article; after its own third,
    # having read the other process's second along the way.
    assert asked.fingerprints_after == [0, daily, food]
    # Stories: built once; read in each insert after what the writer has seen (the near
    # duplicate inserts nothing).
    assert asked.built_after == [0]
    assert asked.signatures_after == [0, daily]
    assert radio.near_duplicates == (f"near-duplicate of article #{evening} (SimHash distance 1)",)
