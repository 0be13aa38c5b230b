"""One tokenizer for the index and the queries: the store records which one built its index,
and a store opened with another is reindexed, on both backends."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.cli import reindex_main
from bot.ingest import Ingestor, open_store
from bot.ingest.index import analyzer_for
from bot.ingest.reindex import ensure_index, reindex
from bot.store import SqlStore
from bot.store.records import ArticleIndex, IndexSource
from summaries.model import Topic
from summaries.segmenter import TOKENIZERS, segmenter
from summaries.similarity import simhash
from summaries.tokens import search_tokens
from tests.ingest.conftest import SEED, make_settings

# jieba cuts F-22 at the hyphen (f, 22) and jieba-rs keeps it whole (f-22): a query made by
# one finds nothing in an index made by the other.
F22 = (
    "F-22战斗机演习出现故障\n"
    "美国空军的F-22战斗机在一次演习中出现故障，两架飞机提前返回基地。"
    "专家表示，F-22的维护成本很高，故障率也一直受到关注。"
)


async def _load(url: str, tokenizer: str, folder: Path, topics: Sequence[Topic]) -> None:
    store = await open_store(url, tokenizer=tokenizer)
    try:
        settings = make_settings(url, tokenizer=tokenizer)
        report = await Ingestor(store, settings=settings, topics=topics).files([folder])
        assert report.added == 6 and not report.refused
    finally:
        await store.close()


@pytest.fixture
def pages(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / SEED.name).write_bytes(SEED.read_bytes())
    (folder / "f22.txt").write_text(F22, encoding="utf-8")
    return folder


@pytest.mark.parametrize("tokenizer", TOKENIZERS)
async def test_search_round_trip_with_each_tokenizer(
    database_url: str, pages: Path, topics: tuple[Topic, ...], tokenizer: str
) -> None:
    await _load(database_url, tokenizer, pages, topics)
    store = await open_store(database_url, tokenizer=tokenizer)
    try:
        meta = await store.index_meta()
        assert meta["tokenizer"].startswith(f"{tokenizer} ")
        assert (await store.search("F-22")).total == 1
        for article in await store.latest_articles(limit=10):
            words = article.title or article.body[:12]
            found = await store.search(words, limit=10)
            assert article.id in [hit.article.id for hit in found.hits], words
    finally:
        await store.close()


async def test_another_tokenizer_reindexes_at_open_and_searches_find_again(
    database_url: str,
    pages: Path,
    topics: tuple[Topic, ...],
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _load(database_url, "jieba", pages, topics)
    # Without the check the rjieba query misses what the jieba index holds: the silent miss.
    unchecked = await open_store(database_url, tokenizer="rjieba", check_index=False)
    try:
        assert (await unchecked.search("F-22")).total == 0
    finally:
        await unchecked.close()
    with caplog.at_level(logging.WARNING, logger="bot.ingest.reindex"):
        store = await open_store(database_url, tokenizer="rjieba")
    try:
        assert [r.getMessage() for r in caplog.records] == [
            "rebuilding the search index of 6 articles for "
            f"{segmenter('rjieba').identity['tokenizer']} (it was built by "
            f"{segmenter('jieba').identity['tokenizer']})"
        ]
        assert await store.index_meta() == segmenter("rjieba").identity
        assert (await store.search("F-22")).total == 1
        assert (await store.search("格尔木")).hits[0].article.title.startswith("青海省格尔木市")
        # The fingerprints follow the tokens, as the pipeline would make them now.
        fast = segmenter("rjieba")
        for article in await store.latest_articles(limit=10):
            stored = await store.get_article(article.id)
            assert stored is not None and stored.fingerprint == simhash(
                search_tokens(article.body, fast)
            )
        # Opened again with the same tokenizer: nothing to do.
        assert await ensure_index(store, fast, analyzer_for(fast)) is None
    finally:
        await store.close()


async def test_reindex_command_rebuilds_with_the_setting(
    database_url: str,
    pages: Path,
    topics: tuple[Topic, ...],
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _load(database_url, "rjieba", pages, topics)
    settings = make_settings(database_url, tokenizer="jieba")
    assert await reindex_main(settings) == 0
    out = capsys.readouterr().out
    assert out == f"reindexed: 6 article(s) with {segmenter('jieba').identity['tokenizer']}\n"
    store = await open_store(database_url, tokenizer="jieba", check_index=False)
    try:
        assert await store.index_meta() == segmenter("jieba").identity
        assert (await store.search("F-22")).total == 1
        assert (await store.search("f 22")).total == 1
    finally:
        await store.close()


async def test_an_empty_store_is_recorded_not_reindexed(database_url: str) -> None:
    store = await open_store(database_url, tokenizer="jieba")
    try:
        assert await store.index_meta() == segmenter("jieba").identity
    finally:
        await store.close()


async def test_a_reindex_that_fails_halfway_keeps_the_old_index(
    database_url: str, pages: Path, topics: tuple[Topic, ...]
) -> None:
    await _load(database_url, "jieba", pages, topics)
    store: SqlStore = await open_store(database_url, tokenizer="jieba")
    calls = 0

    async def failing(sources: Sequence[IndexSource]) -> list[ArticleIndex]:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("disk full")
        return [ArticleIndex(s.id, ("x",), ("x",), None) for s in sources]

    try:
        with pytest.raises(RuntimeError, match="disk full"):
            await store.reindex(failing, meta={"tokenizer": "other"}, batch=2)
        assert await store.index_meta() == segmenter("jieba").identity
        if store.backend == "sqlite":
            # The old index is whole until the swap.
            assert (await store.search("格尔木")).total >= 1
        # The next reindex starts over and completes.
        slow = segmenter("jieba")
        assert await reindex(store, slow, analyzer_for(slow), batch=2) == 6
        assert (await store.search("格尔木")).total >= 1
        assert (await store.search("F-22")).total == 1
    finally:
        await store.close()
