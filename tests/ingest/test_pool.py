"""Bulk ingest in worker processes (INGEST_WORKERS): the same store as in one process, in the
same order; a document that fails or kills its worker is refused alone; a cancelled run stops
its workers."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import signal
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest

from bot.config import Settings
from bot.ingest import Document, Ingestor, open_store
from bot.ingest import pool as pool_module
from bot.ingest import run as run_module
from bot.ingest.pool import PreparePool, WorkerDied, fork_available, worker_count
from bot.ingest.prepare import ArticlePipeline, Refused
from bot.ingest.run import IngestRun, Job, KnowsUrls, Prepared, prepare_each
from bot.ingest.writer import ArticleWriter, Written
from bot.sources import fetched_page
from bot.sources.documents import IngestReport
from bot.sources.fetched_page import FetchedPage
from bot.sources.parse import PageArticle, extract_page
from bot.store.records import NewArticle
from summaries import split_page
from summaries.model import Topic
from tests.ingest.conftest import SEED, make_settings
from tests.sources.pages import article_page, seed_articles

pytestmark = pytest.mark.skipif(not fork_available(), reason="workers are forked")

COLUMNS = (
    "title, body, digest, keywords, topics, content_hash, fingerprint, url, published_at, "
    "category, category_confidence, category_second, source"
)


def _rows() -> list[dict[str, Any]]:
    """Real news: the seed page's articles, then each of their paragraphs on its own."""
    articles = split_page(SEED.read_text(encoding="utf-8"))
    rows = [{"title": a.title, "text": a.body} for a in articles]
    rows += [
        {"title": f"{a.title}（{n}）", "text": paragraph}
        for a in articles
        for n, paragraph in enumerate(a.paragraphs)
    ]
    for n, row in enumerate(rows):
        row["url"] = f"https://news.example/{n}"
        row["published"] = f"2024-05-{1 + n % 28:02d}T08:00:00+08:00"
    return rows


def _jsonl(path: Path, rows: list[dict[str, Any]], bad: dict[int, str] | None = None) -> Path:
    lines = [json.dumps(row, ensure_ascii=False) for row in rows]
    for where, line in sorted((bad or {}).items()):
        lines.insert(where, line)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _settings(tmp_path: Path, name: str, workers: int) -> Settings:
    return make_settings(f"sqlite:///{(tmp_path / name).as_posix()}", ingest_workers=workers)


def _stored(settings: Settings) -> list[tuple[Any, ...]]:
    path = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        return db.execute(f"SELECT {COLUMNS} FROM articles ORDER BY id").fetchall()


async def _ingest(
    settings: Settings,
    topics: tuple[Topic, ...],
    path: Path,
    pipeline: Any = None,
) -> IngestReport:
    store = await open_store(settings.database_url)
    try:
        ingestor = Ingestor(store, settings=settings, topics=topics)
        if pipeline is not None:
            ingestor.pipeline = cast(ArticlePipeline, pipeline(ingestor.pipeline))
        return await ingestor.jsonl(path)
    finally:
        await store.close()


class _Faulty:
    """The real pipeline, but a document whose text holds a marker misbehaves."""

    def __init__(self, real: ArticlePipeline) -> None:
        self.real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def prepare(self, document: Document) -> list[NewArticle]:
        if "RAISE" in document.text:
            raise ValueError("a bad document")
        if "ODD" in document.text:
            raise _Unpicklable("needs", "two arguments")
        if "CRASH" in document.text and multiprocessing.parent_process() is not None:
            os._exit(3)  # a worker dying mid-document (never the test process itself)
        if "HANG" in document.text:
            time.sleep(60)
        return self.real.prepare(document)


class _Unpicklable(Exception):
    def __init__(self, first: str, second: str) -> None:
        super().__init__(f"{first} {second}")


async def test_workers_store_what_one_process_stores_in_the_same_order(
    tmp_path: Path, topics: tuple[Topic, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small window, so that taking waits for the oldest documents as a long file would.
    monkeypatch.setattr(pool_module, "IN_FLIGHT_PER_WORKER", 3)
    rows = _rows()
    path = _jsonl(tmp_path / "news.jsonl", rows, bad={4: "{broken", 9: '{"title": "无正文"}'})
    one, two = _settings(tmp_path, "one.db", 1), _settings(tmp_path, "two.db", 2)
    alone = await _ingest(one, topics, path)
    pooled = await _ingest(two, topics, path)

    stored = _stored(two)
    assert stored == _stored(one)
    assert pooled == alone
    # In the order of the lines: the URLs name them.
    urls = [row[7] for row in stored]
    assert urls == sorted(urls, key=lambda url: int(url.rsplit("/", 1)[1]))
    assert pooled.added == len(stored) >= len(rows) - 3
    assert [where.rsplit(":", 1)[1] for where, _ in pooled.refused] == ["5", "10"]


async def test_a_document_failing_in_a_worker_is_refused_alone(
    tmp_path: Path, topics: tuple[Topic, ...]
) -> None:
    rows = _rows()[:12]
    rows[3]["text"] += "RAISE"
    rows[7]["text"] += "ODD"
    path = _jsonl(tmp_path / "news.jsonl", rows)
    settings = _settings(tmp_path, "faulty.db", 2)
    report = await _ingest(settings, topics, path, pipeline=_Faulty)

    assert report.refused == [
        (f"{path}:4", "ValueError: a bad document"),
        (f"{path}:8", "RuntimeError: _Unpicklable: needs two arguments"),
    ]
    assert report.added + report.duplicates == 10
    assert len(_stored(settings)) == report.added


async def test_a_worker_that_dies_loses_and_doubles_nothing(
    tmp_path: Path, topics: tuple[Topic, ...]
) -> None:
    rows = _rows()
    rows[5]["text"] += "CRASH"
    path = _jsonl(tmp_path / "news.jsonl", rows)
    settings = _settings(tmp_path, "crash.db", 2)
    report = await _ingest(settings, topics, path, pipeline=_Faulty)

    assert report.refused == [
        (f"{path}:6", "WorkerDied: the worker process preparing it stopped (killed or crashed)")
    ]
    # Every other line is stored once (or named as a near duplicate), none twice.
    urls = [row[7] for row in _stored(settings)]
    assert len(urls) == len(set(urls)) == report.added
    assert report.added + report.duplicates == len(rows) - 1
    assert "https://news.example/5" not in urls


async def _within(seconds: float, condition: Callable[[], bool]) -> bool:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return True
        await asyncio.sleep(0.05)
    return condition()


async def test_a_cancelled_run_stops_its_workers_at_once(
    tmp_path: Path, topics: tuple[Topic, ...]
) -> None:
    # As in the bot, whose event loop handles SIGTERM: the workers it forks must still end.
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        await _cancelled_run(tmp_path, topics)
    finally:
        signal.signal(signal.SIGTERM, previous)


async def _cancelled_run(tmp_path: Path, topics: tuple[Topic, ...]) -> None:
    rows = _rows()[:6]
    rows[1]["text"] += "HANG"
    path = _jsonl(tmp_path / "news.jsonl", rows)
    settings = _settings(tmp_path, "cancel.db", 2)
    running = asyncio.create_task(_ingest(settings, topics, path, pipeline=_Faulty))
    assert await _within(30, lambda: bool(multiprocessing.active_children()))
    await asyncio.sleep(0.3)
    started = time.monotonic()
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert await _within(5, lambda: not multiprocessing.active_children())
    assert time.monotonic() - started < 5
    assert _stored(settings) == []  # nothing was written: the first batch never filled


def test_one_worker_means_in_process_and_the_default_is_the_cpu_count() -> None:
    assert worker_count(1) == 1
    assert worker_count(3) == 3
    assert worker_count(None) == (os.cpu_count() or 1)
    with pytest.raises(ValueError):
        make_settings("sqlite:///x.db", ingest_workers=0)


class _RecordingWriter:
    """Records the order in which documents' articles reach the writer."""

    def __init__(self) -> None:
        self.order: list[str] = []

    async def write_each(self, groups: list[list[Any]]) -> list[Written]:
        self.order.extend(article for group in groups for article in group)
        return [Written(added=(n,), duplicates=0, near_duplicates=()) for n in range(len(groups))]


def _recorded_run(
    prepare: Callable[[list[Job]], Awaitable[list[Prepared]]], *, in_flight: int, chunk: int
) -> tuple[IngestRun, _RecordingWriter]:
    """A run over ``prepare`` (no pipeline, store or database) writing to a recorder."""
    writer = _RecordingWriter()
    run = IngestRun(
        cast(ArticlePipeline, None),
        cast(ArticleWriter, writer),
        cast(KnowsUrls, None),
        batch=10,
        prepare=prepare,
        in_flight=in_flight,
        chunk=chunk,
    )
    return run, writer


async def test_a_run_keeps_few_documents_out_and_writes_them_in_order() -> None:
    outstanding = peak = calls = 0

    async def prepare(documents: list[Document]) -> list[Prepared]:
        nonlocal outstanding, peak, calls
        calls += 1
        outstanding += len(documents)
        peak = max(peak, outstanding)
        # Later calls often finish first, as in a pool of several workers.
        await asyncio.sleep(0.001 * (7 - calls % 7))
        outstanding -= len(documents)
        return [
            ValueError("bad") if "7" in d.source else cast(list[NewArticle], [d.source])
            for d in documents
        ]

    run, writer = _recorded_run(prepare, in_flight=12, chunk=5)
    for n in range(200):
        await run.take(Document(source=f"doc{n}", text="正文", origin="test"))
    report = await run.finish()

    expected = [f"doc{n}" for n in range(200) if "7" not in str(n)]
    assert writer.order == expected
    assert report.added == len(expected)
    assert [source for source, _ in report.refused] == [
        f"doc{n}" for n in range(200) if "7" in str(n)
    ]
    assert 5 <= peak <= 12


async def test_a_run_holds_a_bounded_size_of_input_whatever_the_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Raw pages can be megabytes each: besides the count of documents out, their total size
    is bounded, so a run of large pages does not hold hundreds of them at once."""
    monkeypatch.setattr(run_module, "MAX_IN_FLIGHT_SIZE", 3_000)
    outstanding = peak = 0

    async def prepare(documents: list[Job]) -> list[Prepared]:
        nonlocal outstanding, peak
        outstanding += len(documents)
        peak = max(peak, outstanding)
        await asyncio.sleep(0.001)
        outstanding -= len(documents)
        return [cast(list[NewArticle], [d.source]) for d in documents]

    run, writer = _recorded_run(prepare, in_flight=100, chunk=1)
    for n in range(20):
        await run.take(Document(source=f"doc{n}", text="长" * 1_000, origin="test"))
    await run.finish()
    assert writer.order == [f"doc{n}" for n in range(20)]
    # 1,000 characters each: at most three out at once, though the count allows a hundred.
    assert 1 <= peak <= 3


def _extract_or_die(body: bytes, content_type: str, url: str) -> PageArticle:
    if url.endswith("/die") and multiprocessing.parent_process() is not None:
        os._exit(3)
    return extract_page(body, content_type, url)


def _fetched(url: str, body: bytes, *, title: str = "") -> FetchedPage:
    known = Document(source=url, text="", origin="news.example", url=url, title=title)
    return FetchedPage(body, "text/html; charset=utf-8", url, known)


def _pages() -> list[FetchedPage]:
    """The seed page's articles as news pages, then a page without an article."""
    pages = [
        _fetched(f"https://news.example/{n}", article_page(a).encode("utf-8"))
        for n, a in enumerate(seed_articles())
    ]
    empty = b"<html><body><nav>menu</nav></body></html>"
    return [*pages, _fetched("https://news.example/empty", empty)]


async def test_a_page_is_extracted_and_prepared_in_one_worker_call(
    topics: tuple[Topic, ...], tmp_path: Path
) -> None:
    settings = _settings(tmp_path, "pages.db", 2)
    pipeline = Ingestor(cast(Any, None), settings=settings, topics=topics).pipeline
    pages = _pages()
    pages[1] = replace(pages[1], known=replace(pages[1].known, title="订阅源给的标题"))
    pool = PreparePool(pipeline, 2)
    try:
        pooled = await pool.prepare(cast(list[Job], pages))
    finally:
        pool.close()

    # As in one process: the page's document (the feed's title first), then the pipeline.
    for page, outcome in zip(pages[:-1], pooled, strict=False):
        found = extract_page(page.body, page.content_type, page.fetched_url)
        document = replace(
            page.known,
            text=found.text,
            title=page.known.title or found.title,
            published_at=found.published_at,
            author=found.author,
        )
        assert outcome == pipeline.prepare(document)
    assert cast(list[NewArticle], pooled[1])[0].title == "订阅源给的标题"
    refusal = pooled[-1]
    # The words the web source gives a page without an article when it extracts it itself.
    assert isinstance(refusal, Refused)
    assert str(refusal) == "no article text found on the page"


async def test_a_page_that_kills_its_worker_is_refused_alone(
    monkeypatch: pytest.MonkeyPatch, topics: tuple[Topic, ...], tmp_path: Path
) -> None:
    monkeypatch.setattr(fetched_page, "extract_page", _extract_or_die)
    settings = _settings(tmp_path, "pages.db", 2)
    pipeline = Ingestor(cast(Any, None), settings=settings, topics=topics).pipeline
    pages = _pages()[:-1]
    pages[1] = replace(pages[1], fetched_url="https://news.example/die")
    pool = PreparePool(pipeline, 2)
    try:
        # Two calls at once, as a run makes them: the break is found out document by document.
        halves = await asyncio.gather(
            pool.prepare(cast(list[Job], pages[:3])), pool.prepare(cast(list[Job], pages[3:]))
        )
    finally:
        pool.close()
    outcomes = [outcome for half in halves for outcome in half]
    assert isinstance(outcomes[1], WorkerDied)
    expected = prepare_each(pipeline, cast(list[Job], pages))
    assert [o for n, o in enumerate(outcomes) if n != 1] == [
        e for n, e in enumerate(expected) if n != 1
    ]
