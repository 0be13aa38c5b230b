"""A new bot with an empty store loads the articles shipped in seeds/ once."""

from __future__ import annotations

from pathlib import Path

from bot.app import _load_seeds_on_first_start
from bot.config import Settings
from bot.ingest import open_store
from summaries.topics import load_topics

REPO = Path(__file__).resolve().parents[2]


async def test_empty_store_gets_the_seeds_once(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        seeds_dir=REPO / "seeds",
        topics_file=REPO / "seeds" / "topics.toml",
    )
    topics = load_topics(settings.topics_file)
    store = await open_store(settings.database_url)
    try:
        await _load_seeds_on_first_start(store, settings, topics)
        assert await store.count_articles() == 5
        titles = {a.title for a in await store.latest_articles(limit=10)}
        assert "打造党建品牌 筑牢文明基石" in titles
        # A later start finds articles and leaves the store alone.
        await _load_seeds_on_first_start(store, settings, topics)
        assert await store.count_articles() == 5
    finally:
        await store.close()


async def test_missing_seeds_folder_is_no_error(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        seeds_dir=tmp_path / "no-seeds",
        topics_file=REPO / "seeds" / "topics.toml",
    )
    store = await open_store(settings.database_url)
    try:
        await _load_seeds_on_first_start(store, settings, load_topics(settings.topics_file))
        assert await store.count_articles() == 0
    finally:
        await store.close()
