"""Files through the one pipeline and writer: the seed page, idempotence, encodings,
per-file rollback, near duplicates, and the file safety rules, on both backends."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest

from bot.config import Settings
from bot.ingest import FilePolicy, Ingestor
from bot.sources import files as file_source
from bot.sources.files import SYSTEM_REFUSAL, read_text
from bot.store import SqlStore
from bot.store.records import AddResult, NewArticle, StoriesOf
from summaries import split_page
from summaries.model import Topic
from tests.ingest.conftest import SEED


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    """A folder with the seed page one level down, to exercise the recursive walk."""
    folder = tmp_path / "pages" / "2021"
    folder.mkdir(parents=True)
    shutil.copy(SEED, folder / SEED.name)
    (tmp_path / "pages" / "notes.md").write_text("不是 .txt 文件，不读。", encoding="utf-8")
    return tmp_path / "pages"


@pytest.fixture
def ingestor(store: SqlStore, settings: Settings, topics: tuple[Topic, ...]) -> Ingestor:
    """The ingestor over the store under test."""
    return Ingestor(store, settings=settings, topics=topics)


async def test_seed_page_adds_five_then_nothing(
    ingestor: Ingestor, store: SqlStore, seed_dir: Path
) -> None:
    first = await ingestor.files([seed_dir])
    assert (first.added, first.duplicates, first.refused) == (5, 0, [])
    second = await ingestor.files([seed_dir])
    assert (second.added, second.duplicates, second.refused) == (0, 5, [])
    # Exact duplicates are not near-duplicates: nothing is named as one.
    assert second.near_duplicates == []
    assert await store.count_articles() == 5
    stored = await store.latest_articles(limit=10)
    lead = next(a for a in stored if a.title == "打造党建品牌 筑牢文明基石")
    assert lead.authors == ("李连军", "程浩") and lead.digest
    assert all(sentence in lead.body for sentence in lead.digest)
    assert "party" in lead.topics and lead.keywords
    assert lead.source.endswith(SEED.name) and lead.fingerprint is not None
    # Search works on what was ingested (the index holds the pipeline's tokens).
    assert (await store.search("格尔木")).hits[0].article.title.startswith("青海省格尔木市")


async def test_gb18030_file_is_read(ingestor: Ingestor, store: SqlStore, tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    data = text.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    path = tmp_path / "gbk_page.txt"
    path.write_bytes(data)
    assert read_text(path) == text
    report = await ingestor.files([path])
    assert (report.added, report.refused) == (5, [])
    titles = sorted(a.title for a in await store.latest_articles(limit=10))
    assert titles == sorted(a.title for a in split_page(text))


async def test_unreadable_missing_and_empty_files_are_refused(
    ingestor: Ingestor, tmp_path: Path
) -> None:
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\xff\x00\x81")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n  \n", encoding="utf-8")
    report = await ingestor.files([binary, empty, tmp_path / "gone.txt", SEED])
    assert report.added == 5
    reasons = dict(report.refused)
    assert reasons[str(binary)] == "not UTF-8 or GB18030 text"
    assert reasons[str(empty)] == "no article text found"
    assert reasons[str(tmp_path / "gone.txt")] == "no such file or folder"


async def test_files_read_ahead_in_bounded_chunks_each_counted_once(
    ingestor: Ingestor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files are read a few at a time off the event loop: a chunk stops at its character
    budget, a refused file in a chunk is refused alone, and progress counts every file once."""
    monkeypatch.setattr(file_source, "_READ_AHEAD_FILES", 3)
    seed_chars = len(read_text(SEED))
    monkeypatch.setattr(file_source, "_READ_AHEAD_CHARS", seed_chars + 1)
    folder = tmp_path / "dump"
    folder.mkdir()
    shutil.copy(SEED, folder / "a.txt")
    (folder / "b.txt").write_bytes(b"\xff\xfe\xff\x00\x81")
    (folder / "c.txt").write_text("各地抓住有利天气，加快春耕备耕。", encoding="utf-8")
    (folder / "d.txt").write_text(
        "春耕\n\n记者获悉，全国春耕备耕有序推进，农资供应总体充足。", encoding="utf-8"
    )

    chunks = file_source._read_ahead(sorted(folder.iterdir()))
    # a.txt alone is under the budget, with b.txt (refused, no characters) it still is,
    # c.txt passes it: the chunk ends there, d.txt waits for the next trip.
    assert [path.name for path, _ in chunks] == ["a.txt", "b.txt", "c.txt"]
    assert isinstance(chunks[1][1], file_source.RefusedFile)

    handed: list[int] = []
    read_ahead = file_source._read_ahead

    def recorded(files: list[Path]) -> list[tuple[Path, str | file_source.RefusedFile]]:
        handed.append(len(files))
        return read_ahead(files)

    monkeypatch.setattr(file_source, "_read_ahead", recorded)
    seen: list[tuple[int, int]] = []
    report = await ingestor.files([folder], progress=lambda done, total: seen.append((done, total)))
    # Each trip gets only the files it may read, not a copy of all that are left.
    assert handed == [3, 1]
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert dict(report.refused) == {str(folder / "b.txt"): "not UTF-8 or GB18030 text"}
    assert report.added == 7  # the seed page's five, c.txt and d.txt


class _FailingOnFile:
    """The real store, except that a batch holding one file's articles gets an article the
    database rejects."""

    def __init__(self, store: SqlStore, bad_name: str) -> None:
        self._store = store
        self._bad_name = bad_name

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def add_articles(
        self, articles: Sequence[NewArticle], *, stories: StoriesOf | None = None
    ) -> AddResult:
        if any(a.source.endswith(self._bad_name) for a in articles):
            broken = replace(articles[-1], title=cast(Any, None), content_hash="broken")
            return await self._store.add_articles([*articles, broken], stories=stories)
        return await self._store.add_articles(articles, stories=stories)


async def test_a_failing_file_rolls_back_only_its_own_articles(
    store: SqlStore, settings: Settings, topics: tuple[Topic, ...], tmp_path: Path
) -> None:
    good_dir = tmp_path / "in"
    good_dir.mkdir()
    shutil.copy(SEED, good_dir / "a_good.txt")
    plain = "格尔木市持续推进全国文明城市创建工作。志愿者手执小红旗引导文明交通。"
    (good_dir / "b_bad.txt").write_text(plain * 3, encoding="utf-8")
    (good_dir / "c_plain.txt").write_text("另一篇。" + plain, encoding="utf-8")
    failing = cast(Any, _FailingOnFile(store, "b_bad.txt"))
    report = await Ingestor(failing, settings=settings, topics=topics).files([good_dir])
    assert report.added == 6  # the seed page's five and the plain article
    assert [path for path, _ in report.refused] == [str(good_dir / "b_bad.txt")]
    assert "\n" not in report.refused[0][1]
    assert await store.count_articles() == 6
    assert all(not a.source.endswith("b_bad.txt") for a in await store.latest_articles(limit=10))
    # Fixed, the same file now goes in (a new writer: the failed one's index is not reused).
    again = await Ingestor(store, settings=settings, topics=topics).files([good_dir])
    assert (again.added, again.duplicates) == (1, 6)


async def test_a_file_repeating_a_stored_article_under_a_new_headline_is_a_near_duplicate(
    ingestor: Ingestor, store: SqlStore, tmp_path: Path
) -> None:
    article = split_page(SEED.read_text(encoding="utf-8"))[1]
    first = tmp_path / "a.txt"
    first.write_text(article.body, encoding="utf-8")
    copy = tmp_path / "b.txt"
    copy.write_text("格尔木文明创建又有新进展\n\n" + article.body, encoding="utf-8")
    report = await ingestor.files([first, copy])
    assert (report.added, report.duplicates, report.refused) == (1, 1, [])
    (stored,) = await store.latest_articles(limit=5)
    assert report.near_duplicates == [
        (str(copy), f"near-duplicate of article #{stored.id} (SimHash distance 0)")
    ]
    assert stored.source == first.as_posix()


async def test_empty_path_is_refused_not_the_current_folder(
    ingestor: Ingestor, store: SqlStore, seed_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Path("") is "."; started inside a folder of pages, it must still read nothing.
    monkeypatch.chdir(seed_dir)
    report = await ingestor.files(["", "  "])
    assert report.added == 0
    assert [reason for _, reason in report.refused] == ["empty path", "empty path"]
    assert await store.count_articles() == 0


async def test_file_over_the_size_limit_is_refused_unread(
    ingestor: Ingestor, store: SqlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.sources.files.MAX_FILE_BYTES", SEED.stat().st_size - 1)
    big = tmp_path / "big.txt"
    shutil.copy(SEED, big)
    report = await ingestor.files([big])
    assert report.added == 0
    assert report.refused == [
        (str(big), f"too large: {SEED.stat().st_size} bytes (limit {SEED.stat().st_size - 1})")
    ]
    assert await store.count_articles() == 0


# -- file safety: secrets must never become articles ------------------------------------------


@pytest.mark.parametrize("path", ["/proc/self/environ", "/proc/self", "/sys/kernel", "/dev/zero"])
async def test_system_folders_are_never_read(
    ingestor: Ingestor, store: SqlStore, path: str
) -> None:
    report = await ingestor.files([path])
    assert report.refused == [(path, SYSTEM_REFUSAL)]
    assert await store.count_articles() == 0


async def test_a_link_into_proc_is_refused_even_when_named(
    ingestor: Ingestor, store: SqlStore, tmp_path: Path
) -> None:
    link = tmp_path / "environ.txt"
    link.symlink_to("/proc/self/environ")
    report = await ingestor.files([link])
    assert report.refused == [(str(link), SYSTEM_REFUSAL)]
    assert await store.count_articles() == 0


async def test_a_folder_link_leading_out_of_it_is_not_followed(
    ingestor: Ingestor, store: SqlStore, tmp_path: Path
) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    shutil.copy(SEED, folder / "page.txt")
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    (folder / "env.txt").symlink_to("/proc/self/environ")
    (folder / "same.txt").symlink_to(folder / "page.txt")  # inside the folder: fine
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.txt").write_text("TOKEN=123456:SECRET 这是机密。", encoding="utf-8")
    (folder / "linked").symlink_to(outside, target_is_directory=True)
    report = await ingestor.files([folder])
    assert (report.added, report.duplicates) == (5, 5)
    reason = "a link that leads out of the folder is not followed"
    assert sorted(report.refused) == [
        (str(folder / "env.txt"), reason),
        (str(folder / "passwd.txt"), reason),
    ]
    bodies = " ".join(a.body for a in await store.latest_articles(limit=20))
    assert "root" not in bodies and "SECRET" not in bodies


async def test_a_fifo_is_refused_without_blocking(
    ingestor: Ingestor, store: SqlStore, tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    report = await ingestor.files([fifo])
    assert report.refused == [(str(fifo), "not a regular file")]
    folder_report = await ingestor.files([tmp_path])
    assert folder_report.refused == [(str(fifo), "not a regular file")]


async def test_roots_limit_what_may_be_read(
    ingestor: Ingestor, store: SqlStore, tmp_path: Path
) -> None:
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    shutil.copy(SEED, allowed / "page.txt")
    (allowed / ".env").write_text("TELEGRAM_BOT_TOKEN=123456:SECRET", encoding="utf-8")
    (allowed / "out.txt").symlink_to("/etc/passwd")
    policy = FilePolicy(roots=(allowed,))
    report = await ingestor.files(
        [allowed / "page.txt", allowed / ".env", allowed / "out.txt", "/etc/passwd", SEED],
        policy=policy,
    )
    assert report.added == 5
    outside = "outside the folders /ingest may read (INGEST_ROOTS)"
    assert report.refused == [
        (str(allowed / ".env"), "only .txt files are read"),
        (str(allowed / "out.txt"), outside),
        ("/etc/passwd", outside),
        (str(SEED), outside),
    ]
