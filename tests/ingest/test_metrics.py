"""The ingest and search metrics move when articles are ingested and searched."""

from __future__ import annotations

from prometheus_client import REGISTRY

from bot.config import Settings
from bot.ingest import Ingestor
from bot.services.search import SearchService
from bot.store import SqlStore
from summaries.model import Topic
from tests.ingest.conftest import SEED


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_file_ingest_and_search_are_counted(
    store: SqlStore, settings: Settings, topics: tuple[Topic, ...]
) -> None:
    added = _sample("wenzhai_ingest_articles_total", source="file", outcome="added")
    duplicate = _sample("wenzhai_ingest_articles_total", source="file", outcome="duplicate")
    searches = _sample("wenzhai_search_seconds_count")

    ingestor = Ingestor(store, settings=settings, topics=topics)
    first = await ingestor.files([SEED])
    again = await ingestor.files([SEED])
    await SearchService(store, topics).search("志愿服务")

    assert first.added == 5 and again.duplicates == 5
    assert _sample("wenzhai_ingest_articles_total", source="file", outcome="added") == added + 5
    after = _sample("wenzhai_ingest_articles_total", source="file", outcome="duplicate")
    assert after == duplicate + 5
    assert _sample("wenzhai_search_seconds_count") == searches + 1
