"""Every article in a news category: the pipeline classifies what it stores, a retag
reclassifies a store whose model changed, and a bad model file is one line, on both backends."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from bot.cli import ingest_main, retag_main
from bot.config import Settings
from bot.ingest import Ingestor, open_store
from bot.ingest.retag import MODEL_VERSION_KEY, retag, retag_need
from bot.store import SqlStore
from bot.store.records import ArticleCategory
from summaries import CATEGORIES, CategoryModel
from summaries.model import Topic
from tests.ingest.conftest import SEED, make_settings

SLUGS = {category.slug for category in CATEGORIES}


@pytest.fixture(scope="module")
def model() -> CategoryModel:
    """The shipped category model, read once for the module."""
    return CategoryModel().load()


async def _ingest_seeds(
    store: SqlStore, settings: Settings, topics: tuple[Topic, ...], model: CategoryModel
) -> None:
    report = await Ingestor(store, settings=settings, topics=topics, categories=model).files([SEED])
    assert report.added == 5


async def test_the_pipeline_stores_a_category_for_every_seed_article(
    store: SqlStore, settings: Settings, topics: tuple[Topic, ...], model: CategoryModel
) -> None:
    await _ingest_seeds(store, settings, topics, model)
    stored = await store.latest_articles(limit=50)
    assert len(stored) == 5
    for article in stored:
        assert article.category in SLUGS, article.title
        assert article.category_confidence is not None and 0 < article.category_confidence <= 1
        assert article.category_second in SLUGS | {None}
        assert article.category_second != article.category
        # What the model says of the title and the start of the body, as stored.
        expected = model.classify(article.title, article.body)
        assert (article.category, article.category_confidence) == (
            expected.slug,
            expected.confidence,
        )
    assert await store.count_uncategorized() == 0


async def test_retag_reclassifies_a_store_whose_model_changed(
    store: SqlStore, settings: Settings, topics: tuple[Topic, ...], model: CategoryModel
) -> None:
    await _ingest_seeds(store, settings, topics, model)
    right = {a.id: a.category for a in await store.latest_articles(limit=50)}
    # As an older model left it: other categories, one article never classified.
    ids = sorted(right)
    await store.set_categories([ArticleCategory(i, "games", 0.1) for i in ids[1:]])
    await store.set_meta(MODEL_VERSION_KEY, "an-older-model")
    need = await retag_need(store, model)
    assert need is not None and need.everything and need.articles == 5
    assert need.stored_version == "an-older-model" and need.version == model.version

    seen: list[tuple[int, int]] = []
    report = await retag(store, model, batch=2, progress=lambda d, t: seen.append((d, t)))
    assert report.retagged == 5 and sum(report.by_category.values()) == 5
    assert seen == [(2, 5), (4, 5), (5, 5)]
    assert {a.id: a.category for a in await store.latest_articles(limit=50)} == right
    assert await store.get_meta(MODEL_VERSION_KEY) == model.version
    assert await retag_need(store, model) is None


async def test_with_the_same_model_only_unclassified_articles_are_retagged(
    store: SqlStore, settings: Settings, topics: tuple[Topic, ...], model: CategoryModel
) -> None:
    await _ingest_seeds(store, settings, topics, model)
    await store.set_meta(MODEL_VERSION_KEY, model.version)
    assert await retag_need(store, model) is None
    (article, *_) = await store.latest_articles(limit=50)
    async with store.engine.begin() as conn:  # as a row imported from an older export
        from bot.store.schema import articles

        await conn.execute(
            articles.update().where(articles.c.id == article.id).values(category=None)
        )
    need = await retag_need(store, model)
    assert need is not None and not need.everything and need.articles == 1
    report = await retag(store, model, only_uncategorized=True)
    assert report.retagged == 1
    assert await store.count_uncategorized() == 0


async def test_an_empty_store_records_the_version_without_retagging(
    store: SqlStore, model: CategoryModel
) -> None:
    assert await retag_need(store, model) is None
    assert await store.get_meta(MODEL_VERSION_KEY) == model.version


@pytest.mark.parametrize("damage", ["missing", "corrupt", "truncated"])
async def test_a_bad_model_file_is_one_line_for_retag_and_ingest(
    damage: str, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "categories.txt.gz"
    if damage == "corrupt":
        bad.write_bytes(b"not gzip at all")
    elif damage == "truncated":
        shipped = gzip.decompress(CategoryModel().path.read_bytes()).decode("utf-8")
        bad.write_bytes(gzip.compress(shipped[: len(shipped) // 2].encode("utf-8")))
    settings = make_settings(database_url, category_model_file=bad)
    for main in (retag_main(settings), ingest_main([str(SEED)], settings)):
        assert await main == 2
        err = capsys.readouterr().err
        assert err.startswith("error: category model") and str(bad) in err
        assert err.count("\n") == 1 and "Traceback" not in err


async def test_the_retag_command_reports_what_it_did(
    database_url: str, topics: tuple[Topic, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(database_url)
    assert await ingest_main([str(SEED)], settings) == 0
    capsys.readouterr()
    # Filled from empty by this model: recorded, so the bot's start does not retag it.
    store = await open_store(database_url)
    try:
        assert await store.get_meta(MODEL_VERSION_KEY) == CategoryModel().version
        assert await retag_need(store, CategoryModel()) is None
    finally:
        await store.close()
    assert await retag_main(settings) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("retagged: 5 article(s) with category model ")
    counts = dict(line.split(": ") for line in out[1:])
    assert set(counts) <= SLUGS and sum(int(n) for n in counts.values()) == 5
