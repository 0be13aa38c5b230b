"""JSON Lines ingest: streamed, batched writes, every bad line named by its number, on both
backends."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest

from bot.cli import ingest_main
from bot.config import Settings
from bot.ingest import Ingestor
from bot.ingest.run import IngestRun
from bot.sources.documents import Document, IngestReport
from bot.sources.jsonl import MAX_LINE_BYTES, read_jsonl
from bot.store import SqlStore
from bot.store.records import AddResult, NewArticle, StoriesOf
from summaries import split_page
from summaries.model import Topic
from tests.ingest.conftest import SEED


def _seed_rows() -> list[dict[str, Any]]:
    articles = split_page(SEED.read_text(encoding="utf-8"))
    return [
        {
            "title": a.title,
            "text": a.body,
            "url": f"https://news.example/{n}",
            "published": f"2024-05-0{n + 1}T08:00:00+08:00",
        }
        for n, a in enumerate(articles)
    ]


def _write(path: Path, lines: Sequence[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _dump(row: object) -> str:
    return json.dumps(row, ensure_ascii=False)


async def test_bad_lines_are_refused_by_number_and_the_rest_load(
    store: SqlStore, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _seed_rows()
    lines = [
        _dump(rows[0]),
        "{broken json",
        _dump({"title": "没有正文"}),
        _dump({**rows[1], "published": "昨天"}),
        '"a string"',
        "",
        _dump({**rows[2], "url": 7}),
        _dump(rows[3]),
        _dump(rows[0]),  # the first line again
        _dump(rows[4]),
    ]
    path = _write(tmp_path / "news.jsonl", lines)
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"text": "' + "长" * (MAX_LINE_BYTES // 3 + 10) + '"}\n')
        handle.write(_dump(rows[1]) + "\n")
    assert await ingest_main([], settings, jsonl=[str(path)]) == 1
    out = capsys.readouterr().out
    assert "added: 4\nduplicate: 1\nrefused: 6\n" in out
    for number, reason in [
        (2, "not JSON: "),
        (3, "missing field: text"),
        (4, "published is not an ISO 8601 date: '昨天'"),
        (5, "not a JSON object"),
        (7, "url is not a string"),
        (11, f"line longer than {MAX_LINE_BYTES} bytes"),
    ]:
        assert f"refused {path}:{number}: {reason}" in out
    assert f"duplicate {path}:9: already stored (same text or URL)" in out
    stored = {a.url: a for a in await store.latest_articles(limit=10)}
    assert set(stored) == {rows[n]["url"] for n in (0, 1, 3, 4)}
    first = stored[rows[0]["url"]]
    assert first.title == rows[0]["title"] and first.digest
    assert first.published_at is not None and first.published_at.isoformat().startswith(
        "2024-05-01T00:00"
    )
    # Loading the file again adds nothing; the good lines are duplicates, named by line.
    assert await ingest_main([], settings, jsonl=[str(path)]) == 1
    again = capsys.readouterr().out
    assert "added: 0\nduplicate: 5\nrefused: 6\n" in again


async def test_a_clean_file_exits_zero_and_finds_by_search(
    store: SqlStore, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "clean.jsonl", [_dump(r) for r in _seed_rows()])
    assert await ingest_main([], settings, jsonl=[str(path)]) == 0
    assert "added: 5\n" in capsys.readouterr().out
    assert (await store.search("格尔木")).hits[0].article.title.startswith("青海省格尔木市")


class _FailingOn:
    """The real store, except that a batch holding one marked article fails in the database."""

    def __init__(self, store: SqlStore, mark: str) -> None:
        self._store = store
        self._mark = mark
        self.batches: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def add_articles(
        self, articles: Sequence[NewArticle], *, stories: StoriesOf | None = None
    ) -> AddResult:
        self.batches.append(len(articles))
        if any(self._mark in a.title for a in articles):
            broken = replace(articles[-1], title=cast(Any, None), content_hash="broken")
            return await self._store.add_articles([*articles, broken], stories=stories)
        return await self._store.add_articles(articles, stories=stories)


async def test_a_batch_failing_halfway_is_retried_line_by_line(
    store: SqlStore, settings: Settings, topics: tuple[Topic, ...], tmp_path: Path
) -> None:
    rows = _seed_rows()
    rows[2]["title"] = "坏" + rows[2]["title"]
    path = _write(tmp_path / "news.jsonl", [_dump(r) for r in rows])
    failing = _FailingOn(store, "坏")
    report = await Ingestor(cast(Any, failing), settings=settings, topics=topics).jsonl(path)
    # One transaction for the five, which failed whole; then one per line.
    assert failing.batches == [5, 1, 1, 1, 1, 1]
    assert report.added == 4
    assert [(source, reason.split(":")[0]) for source, reason in report.refused] == [
        (f"{path}:3", "IntegrityError")
    ]
    assert await store.count_articles() == 4
    assert rows[2]["url"] not in {a.url for a in await store.latest_articles(limit=10)}


async def test_near_duplicates_are_caught_within_and_across_batches(
    store: SqlStore, settings: Settings, topics: tuple[Topic, ...], tmp_path: Path
) -> None:
    rows = _seed_rows()
    lead = rows[0]

    def copy(n: int) -> dict[str, Any]:
        # The same story under a new headline and URL, with a source line added.
        return {
            **lead,
            "title": f"转载{n}",
            "url": f"https://copy.example/{n}",
            "text": lead["text"] + "（来源：新华网）",
        }

    # Batches of two: the copy in line 2 shares a batch with the original, the one in line 5
    # comes two batches later.
    lines = [_dump(lead), _dump(copy(1)), _dump(rows[1]), _dump(rows[2]), _dump(copy(2))]
    path = _write(tmp_path / "copies.jsonl", lines)
    ingestor = Ingestor(store, settings=settings, topics=topics)
    run = IngestRun(ingestor.pipeline, ingestor.writer, store, batch=2, name_duplicates=True)
    await read_jsonl(path, run)
    report = await run.finish()
    assert report.added == 3
    first = min(a.id for a in await store.latest_articles(limit=10))
    assert [(s, r.split(" (")[0]) for s, r in report.near_duplicates] == [
        (f"{path}:2", f"near-duplicate of article #{first}"),  # same batch
        (f"{path}:5", f"near-duplicate of article #{first}"),  # two batches later
    ]


class _Counting:
    """A sink that only counts what it is given."""

    def __init__(self) -> None:
        self.report = IngestReport()
        self.taken = 0

    async def seen(self, url: str) -> bool:
        return False

    async def take(self, document: Document) -> None:
        self.taken += 1


async def test_reading_is_streamed_memory_flat_in_the_file_size(tmp_path: Path) -> None:
    line = _dump({"title": "标题", "text": "正文。" * 200})

    async def peak(path: Path) -> tuple[int, int]:
        sink = _Counting()
        tracemalloc.start()
        await read_jsonl(path, sink)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return sink.taken, top

    small = _write(tmp_path / "small.jsonl", [line] * 500)
    big = _write(tmp_path / "big.jsonl", [line] * 20_000)
    huge = tmp_path / "huge.jsonl"
    with huge.open("w", encoding="utf-8") as handle:
        handle.write('{"text": "' + "x" * (4 * MAX_LINE_BYTES) + '"}\n' + line + "\n")
    taken_small, peak_small = await peak(small)
    taken_big, peak_big = await peak(big)
    taken_huge, peak_huge = await peak(huge)
    assert (taken_small, taken_big, taken_huge) == (500, 20_000, 1)
    # 40 times the lines, about the same memory; a 40 MB line is never held whole (reading
    # its first 10 MB to learn that it is too long costs about twice that).
    assert peak_big < 2 * peak_small + 1_000_000
    assert peak_huge < 2.5 * MAX_LINE_BYTES
