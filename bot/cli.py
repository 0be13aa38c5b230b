"""``python -m bot ingest``, ``retag``, ``search`` and ``reindex``: operator commands over
the store.

Every failure becomes one line on stderr and an exit status, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TextIO, TypeVar

from bot.config import Settings
from bot.ingest import Ingestor, IngestReport, describe_error, open_store
from bot.ingest.index import analyzer_for
from bot.ingest.reindex import reindex
from bot.ingest.retag import retag, retag_need
from bot.sources.urls import is_url
from bot.store import SqlStore
from bot.store.records import SearchResult
from summaries import CategoryModel, CategoryModelError
from summaries.cli import stdout_closed
from summaries.segmenter import segmenter
from summaries.topics import TopicsFileError, load_topics

_BAR_WIDTH = 30

T = TypeVar("T")


class ProgressBar:
    """A one-line progress bar on a terminal; silent when the stream is not a terminal."""

    def __init__(self, stream: TextIO, label: str) -> None:
        self._stream = stream
        self._label = label
        self._enabled = stream.isatty()
        self._shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self._enabled or total <= 1:
            return
        filled = _BAR_WIDTH * done // total
        bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
        self._stream.write(f"\r{self._label} [{bar}] {done}/{total}")
        self._stream.flush()
        self._shown = True

    def close(self) -> None:
        """End the bar's line so that what follows starts on a fresh one."""
        if self._shown:
            self._stream.write("\n")
            self._stream.flush()
            self._shown = False


async def _opened_store(settings: Settings, *, check_index: bool = True) -> SqlStore | None:
    """The store, or None with the one line an operator needs on stderr (not a traceback)."""
    try:
        return await open_store(
            settings.database_url, tokenizer=settings.tokenizer, check_index=check_index
        )
    except Exception as exc:
        print(f"error: cannot open the database: {describe_error(exc)}", file=sys.stderr)
        return None


async def _run_closing(
    store: SqlStore, label: str, work: Callable[[ProgressBar], Awaitable[T]]
) -> T | None:
    """``work`` (which answers something, never None) with a progress bar named ``label``,
    the store closed after it; None (the failure said on stderr) when it raised."""
    bar = ProgressBar(sys.stderr, label)
    try:
        return await work(bar)
    except Exception as exc:
        bar.close()
        print(f"error: {label} stopped: {describe_error(exc)}", file=sys.stderr)
        return None
    finally:
        await store.close()
        bar.close()


def _print_out(write: Callable[[], None]) -> None:
    """Print the command's output; a reader that closed the pipe early is not an error."""
    try:
        write()
        sys.stdout.flush()
    except BrokenPipeError:
        stdout_closed()


def _unreadable(report: IngestReport, urls: Sequence[str]) -> list[str]:
    """Sources that could not be read: files, and URLs given on the command line.

    A feed that was read but one of whose linked pages failed is still a source that was read:
    the page shows among the refused, but does not make the run fail.
    """
    given = {url.strip() for url in urls}
    return [source for source, _ in report.refused if not is_url(source) or source in given]


def print_report(report: IngestReport, out: TextIO | None = None) -> None:
    """Counts, one line each, then each near duplicate and each refused source with its reason.

    The same words for every kind of source: a file, a page or a feed entry.
    """
    out = out or sys.stdout
    if report.added == 0 and not report.refused:
        print(f"nothing new: {report.duplicates} duplicate(s) already stored", file=out)
    print(f"added: {report.added}", file=out)
    print(f"duplicate: {report.duplicates}", file=out)
    print(f"refused: {len(report.refused)}", file=out)
    for source, reason in report.near_duplicates:
        print(f"duplicate {source}: {reason}", file=out)
    for source, reason in report.refused:
        print(f"refused {source}: {reason}", file=out)


def load_category_model(settings: Settings) -> CategoryModel | None:
    """The category model, read now; None (and the reason on stderr) when it cannot be."""
    try:
        return CategoryModel(settings.category_model_file).load()
    except CategoryModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


async def ingest_main(
    sources: Sequence[str], settings: Settings, *, jsonl: Sequence[str] = ()
) -> int:
    """Ingest files, folders, URLs and JSON Lines files; 0 when every source was read, 1 when
    one could not be (a refused JSON line included)."""
    try:
        topics = load_topics(settings.topics_file)
    except TopicsFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    categories = load_category_model(settings)
    if categories is None:
        return 2
    store = await _opened_store(settings)
    if store is None:
        return 2

    async def load(bar: ProgressBar) -> IngestReport:
        # A store this fills from empty is tagged by this model: the bot need not retag it.
        await retag_need(store, categories)
        ingestor = Ingestor(store, settings=settings, topics=topics, categories=categories)
        report = await ingestor.sources(sources, progress=bar) if sources else IngestReport()
        for path in jsonl:
            report.merge(await ingestor.jsonl(path, progress=bar))
        return report

    report = await _run_closing(store, "ingest", load)
    if report is None:
        return 1
    _print_out(lambda: print_report(report))
    return 1 if _unreadable(report, [s for s in sources if is_url(s)]) else 0


async def retag_main(settings: Settings) -> int:
    """Classify every stored article again; 0 when done, 2 for a bad model or database."""
    model = load_category_model(settings)
    if model is None:
        return 2
    store = await _opened_store(settings)
    if store is None:
        return 2
    report = await _run_closing(store, "retag", lambda bar: retag(store, model, progress=bar))
    if report is None:
        return 1

    def write() -> None:
        print(f"retagged: {report.retagged} article(s) with category model {report.version}")
        for slug, count in report.by_category.most_common():
            print(f"{slug}: {count}")

    _print_out(write)
    return 0


def _date_of(published: object) -> str:
    return published.strftime("%Y-%m-%d") if hasattr(published, "strftime") else "-"


async def search_main(query: str, settings: Settings, limit: int = 5) -> int:
    """Print the top hits (title, date, digest), or why there are none; 0 unless it failed."""
    store = await _opened_store(settings)
    if store is None:
        return 2
    try:
        result = await store.search(query, limit=max(1, min(limit, 50)))
    except Exception as exc:
        print(f"error: search failed: {describe_error(exc)}", file=sys.stderr)
        return 1
    finally:
        await store.close()
    _print_out(lambda: _print_hits(result))
    return 0


async def reindex_main(settings: Settings) -> int:
    """Rebuild every article's index tokens with TOKENIZER (a progress bar on a terminal)."""
    store = await _opened_store(settings, check_index=False)
    if store is None:
        return 2
    words = segmenter(settings.tokenizer)
    count = await _run_closing(
        store, "reindex", lambda bar: reindex(store, words, analyzer_for(words), progress=bar)
    )
    if count is None:
        return 1
    _print_out(lambda: print(f"reindexed: {count} article(s) with {words.identity['tokenizer']}"))
    return 0


def _print_hits(result: SearchResult) -> None:
    if result.reason == "empty_query":
        print("no results: the query is empty")
        return
    if result.reason == "no_tokens":
        print("no results: the query has no searchable words")
        return
    if not result.hits:
        print(f"no results for: {' '.join(result.tokens)}")
        return
    print(f"{result.total} result(s) for: {' '.join(result.tokens)}")
    for n, hit in enumerate(result.hits, start=1):
        article = hit.article
        when = _date_of(article.published_at or article.ingested_at)
        category = f" · {article.category}" if article.category else ""
        print(f"{n}. {article.title or '(untitled)'}  [{when}{category}]  #{article.id}")
        digest = "".join(article.digest) or hit.snippet
        print(f"   {digest}")
