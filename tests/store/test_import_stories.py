"""An import into a store that already holds an article under another id keeps stories whole."""

from __future__ import annotations

from pathlib import Path

from bot.ingest import open_store
from bot.store import SqlStore
from bot.store.export import Importer, export_records
from bot.store.records import StoryAssignment
from tests.store.corpus import make_article, seed_paragraphs


async def test_story_ids_follow_an_article_found_under_another_id(
    store: SqlStore, tmp_path: Path
) -> None:
    paragraphs = seed_paragraphs()
    starter = make_article("漯河市场监管局创建全国文明单位", paragraphs[0])
    member = make_article("市场监管局以党建引领文明创建", paragraphs[1])
    # Earlier articles, so that the story's ids are free in the target.
    earlier = [make_article(f"第{n}篇", paragraphs[n + 2]) for n in range(3)]
    ids = (await store.add_articles([*earlier, starter, member])).added[3:]
    await store.assign_stories(
        [StoryAssignment(ids[0], ids[0], ids[0]), StoryAssignment(ids[1], ids[0], ids[0])]
    )
    records = [(number, record) async for number, record in _numbered(store)]

    target = await open_store(f"sqlite+aiosqlite:///{tmp_path / 'target.db'}")
    try:
        # The target already has the starter, as its first article: under another id.
        present = (await target.add_articles([starter])).added[0]
        assert present != ids[0]
        await Importer(target).load(records)
        stories = await target.get_stories([present])
        assert stories[present].representative_id == present
        members = await target.story_members([present])
        # The member joins the story under the starter's id here (the target's own copy of the
        # starter was stored before and keeps its own story, none).
        assert [article.title for article in members[present]] == [member.title]
    finally:
        await target.close()


async def _numbered(store: SqlStore):  # type: ignore[no-untyped-def]
    number = 0
    async for record in export_records(store):
        number += 1
        yield number, record
