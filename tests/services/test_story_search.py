"""Search collapses the reports of one story into one result, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.ingest.writer import ArticleWriter
from bot.render import render_search
from bot.services.search import SearchService
from bot.store.sql_store import SqlStore
from tests.botapi.html import parse_html
from tests.story_reports import REPORTS, report

PUBLISHED = datetime(2026, 3, 27, 2, 0, tzinfo=UTC)


async def test_one_result_per_story_with_the_other_sources_named(store: SqlStore) -> None:
    writer = ArticleWriter(store, clock=lambda: PUBLISHED + timedelta(hours=8))
    written = await writer.write(
        [
            report("honour_daily", source="daily.example.cn", published=PUBLISHED),
            report("honour_evening", source="evening.example.cn", published=PUBLISHED),
            report("honour_radio", source="radio.example.cn", published=PUBLISHED),
            report("food_check", source="daily.example.cn", published=PUBLISHED),
        ]
    )
    assert len(written.added) == 4
    result = await store.search("漯河", limit=5)
    assert result.total == 4  # every matching article is counted...
    assert len(result.hits) == result.ranked == 2  # ...and shown once per story
    stories = {hit.article.story_id for hit in result.hits}
    assert len(stories) == 2
    # Paging goes by stories too: the second page of one-a-page holds the other story.
    first = await store.search("漯河", limit=1)
    second = await store.search("漯河", limit=1, offset=1)
    assert first.hits[0].article.story_id != second.hits[0].article.story_id
    assert (await store.search("漯河", limit=1, offset=2)).hits == ()

    page = await SearchService(store, ()).search("漯河")
    honour = next(h for h in page.result.hits if h.article.title in _honour_titles())
    others = page.others[honour.article.id]
    assert len(others) == 2 and honour.article.source not in {a.source for a in others}
    food = next(h for h in page.result.hits if h is not honour)
    assert food.article.id not in page.others
    visible, entities = parse_html(
        render_search(page.query, page.result, first=1, language="zh", others=page.others)
    )
    assert visible.count("另有 2 家来源：") == 1
    links = {e["url"] for e in entities if e["type"] == "text_link"}
    assert {a.url for a in others} <= links


def _honour_titles() -> set[str]:
    return {REPORTS[key][0] for key in ("honour_daily", "honour_evening", "honour_radio")}
