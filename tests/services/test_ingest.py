"""File ingest into a real store: the seed page, idempotence, encodings and per-file rollback."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest

from bot.services.ingest import (
    IngestReport,
    content_hash,
    ingest_paths,
    prepare_article,
    read_text,
)
from bot.services.topics import TopicsFileError, load_topics
from bot.store import SqlStore, open_store
from bot.store.records import AddResult, NewArticle
from summaries import split_page
from summaries.model import Article
from summaries.similarity import simhash
from summaries.tokens import search_tokens

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "seeds" / "000_a9c33694dae72277.txt"
TOPICS = load_topics(REPO / "seeds" / "topics.toml")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    """A fresh SQLite store."""
    opened = await open_store(f"sqlite:///{tmp_path / 'ingest.db'}")
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    """A folder with the seed page one level down, to exercise the recursive walk."""
    folder = tmp_path / "pages" / "2021"
    folder.mkdir(parents=True)
    shutil.copy(SEED, folder / SEED.name)
    (tmp_path / "pages" / "notes.md").write_text("不是 .txt 文件，不读。", encoding="utf-8")
    return tmp_path / "pages"


async def test_seed_page_adds_five_then_nothing(store: SqlStore, seed_dir: Path) -> None:
    first = await ingest_paths(store, [seed_dir], topics=TOPICS)
    assert (first.added, first.duplicates, first.refused) == (5, 0, [])
    second = await ingest_paths(store, [seed_dir], topics=TOPICS)
    assert (second.added, second.duplicates, second.refused) == (0, 5, [])
    assert await store.count_articles() == 5
    stored = await store.latest_articles(limit=10)
    titles = {a.title for a in stored}
    assert "打造党建品牌 筑牢文明基石" in titles
    lead = next(a for a in stored if a.title == "打造党建品牌 筑牢文明基石")
    assert lead.authors == ("李连军", "程浩") and lead.digest
    assert all(sentence in lead.body for sentence in lead.digest)
    assert "party" in lead.topics and lead.keywords
    assert lead.source.endswith(SEED.name) and lead.fingerprint is not None
    # Search works on what was ingested.
    assert (await store.search("格尔木")).hits[0].article.title.startswith("青海省格尔木市")


async def test_gb18030_file_is_read(store: SqlStore, tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    data = text.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    path = tmp_path / "gbk_page.txt"
    path.write_bytes(data)
    assert read_text(path) == text
    report = await ingest_paths(store, [path], topics=TOPICS)
    assert (report.added, report.refused) == (5, [])
    titles = sorted(a.title for a in await store.latest_articles(limit=10))
    assert titles == sorted(a.title for a in split_page(text))


async def test_unreadable_missing_and_empty_files_are_refused(
    store: SqlStore, tmp_path: Path
) -> None:
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\xff\x00\x81")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n  \n", encoding="utf-8")
    report = await ingest_paths(store, [binary, empty, tmp_path / "gone.txt", SEED], topics=TOPICS)
    assert report.added == 5
    reasons = dict(report.refused)
    assert reasons[str(binary)] == "not UTF-8 or GB18030 text"
    assert reasons[str(empty)] == "no article text found"
    assert reasons[str(tmp_path / "gone.txt")] == "no such file or folder"


class _FailingOnFile:
    """The real store, except that the batch of one file gets an article the database rejects."""

    def __init__(self, store: SqlStore, bad_name: str) -> None:
        self._store = store
        self._bad_name = bad_name

    async def add_articles(self, articles: Sequence[NewArticle]) -> AddResult:
        if articles and articles[0].source.endswith(self._bad_name):
            broken = replace(articles[-1], title=cast(Any, None), content_hash="broken")
            return await self._store.add_articles([*articles, broken])
        return await self._store.add_articles(articles)


async def test_a_failing_file_rolls_back_only_its_own_articles(
    store: SqlStore, tmp_path: Path
) -> None:
    good_dir = tmp_path / "in"
    good_dir.mkdir()
    shutil.copy(SEED, good_dir / "a_good.txt")
    plain = "格尔木市持续推进全国文明城市创建工作。志愿者手执小红旗引导文明交通。"
    (good_dir / "b_bad.txt").write_text(plain * 3, encoding="utf-8")
    (good_dir / "c_plain.txt").write_text("另一篇。" + plain, encoding="utf-8")
    failing = cast(Any, _FailingOnFile(store, "b_bad.txt"))
    report = await ingest_paths(failing, [good_dir], topics=TOPICS)
    assert report.added == 6  # the seed page's five and the plain article
    assert [path for path, _ in report.refused] == [str(good_dir / "b_bad.txt")]
    assert "\n" not in report.refused[0][1]
    assert await store.count_articles() == 6
    assert all(not a.source.endswith("b_bad.txt") for a in await store.latest_articles(limit=10))
    # Fixed, the same file now goes in.
    again = await ingest_paths(store, [good_dir], topics=TOPICS)
    assert (again.added, again.duplicates) == (1, 6)


def test_prepare_article_hash_and_fingerprint() -> None:
    article = split_page(SEED.read_text(encoding="utf-8"))[1]
    prepared = prepare_article(article, source="s", topics=TOPICS, max_chars=80, max_sentences=2)
    assert prepared.title == article.title and prepared.body == article.body
    assert 1 <= len(prepared.digest) <= 2
    assert all(sentence in article.body for sentence in prepared.digest)
    assert prepared.fingerprint == simhash(search_tokens(article.body))
    # Width and spacing differences do not make a different article.
    spaced = Article(title=" " + article.title + " ", paragraphs=article.paragraphs)
    assert content_hash(spaced.title, spaced.body) == prepared.content_hash
    other = Article(title=article.title, paragraphs=article.paragraphs[1:])
    assert content_hash(other.title, other.body) != prepared.content_hash


def test_load_topics(tmp_path: Path) -> None:
    slugs = [t.slug for t in TOPICS]
    assert "volunteer" in slugs and "party" in slugs
    with pytest.raises(TopicsFileError, match="not found"):
        load_topics(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[topic]\nslug=", encoding="utf-8")
    with pytest.raises(TopicsFileError, match="not valid TOML"):
        load_topics(bad)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('[[topic]]\nslug = "x"\nzh = "甲"\nen = "a"\nwords = []\n', encoding="utf-8")
    with pytest.raises(TopicsFileError, match="words"):
        load_topics(wrong)


def test_report_merge() -> None:
    report = IngestReport(added=1, duplicates=2, refused=[("a", "x")])
    report.merge(IngestReport(added=3, refused=[("b", "y")]))
    assert (report.added, report.duplicates, report.refused) == (4, 2, [("a", "x"), ("b", "y")])


async def test_empty_path_is_refused_not_the_current_folder(
    store: SqlStore, seed_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Path("") is "."; started inside a folder of pages, it must still read nothing.
    monkeypatch.chdir(seed_dir)
    report = await ingest_paths(store, ["", "  "], topics=TOPICS)
    assert report.added == 0
    assert [reason for _, reason in report.refused] == ["empty path", "empty path"]
    assert await store.count_articles() == 0


async def test_file_over_the_size_limit_is_refused_unread(
    store: SqlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.services.ingest.MAX_FILE_BYTES", SEED.stat().st_size - 1)
    big = tmp_path / "big.txt"
    shutil.copy(SEED, big)
    report = await ingest_paths(store, [big], topics=TOPICS)
    assert report.added == 0
    assert report.refused == [
        (str(big), f"too large: {SEED.stat().st_size} bytes (limit {SEED.stat().st_size - 1})")
    ]
    assert await store.count_articles() == 0


def test_describe_error_is_one_line() -> None:
    from bot.services.ingest import describe_error

    error = RuntimeError('database "x" does not exist\n(Background on this error at: ...)')
    assert describe_error(error) == 'RuntimeError: database "x" does not exist'
    assert describe_error(ValueError()) == "ValueError"
