"""One ingest run: the sink that every source's documents go into, and its report.

Documents are prepared one by one (in a thread: summarizing is CPU work) and written in
batches: ``batch`` documents' articles in one transaction, the next batch being prepared while
the last one is written (``batch=1``: each document is written before ``take`` returns, for
callers that read the report as they go: the feed poll counts what each feed added). A batch
whose transaction fails is written again document by document, so a bad document is refused
alone (``ArticleWriter.write_each``). ``finish`` writes what is left; every ingest calls it
before reading the report.

``prepare`` may hand documents elsewhere (``bot.ingest.pool``: worker processes), ``chunk``
documents per call; then up to ``in_flight`` documents are being prepared at once, and their
articles are still queued for writing in the order the documents were taken.

A fetched page (``take_page``) is taken like a document and extracted in the same call that
prepares it: one hand-off a page, and a page without an article is refused with the words
the web source would use.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Protocol

from bot.ingest.prepare import ArticlePipeline, Refused
from bot.ingest.writer import ArticleWriter, Written
from bot.sources.documents import Document, IngestReport, describe_error
from bot.sources.errors import SourceError
from bot.sources.fetched_page import FetchedPage
from bot.store.records import NewArticle

log = logging.getLogger(__name__)

# Documents per write transaction: large enough that commits cost little per article, small
# enough that a batch retried one by one after a failure stays quick.
WRITE_BATCH = 100

# Stored URLs looked up per query: well under every database's limit on bound parameters.
URL_LOOKUP_CHUNK = 500
# Input held for preparing (texts and fetched pages not yet written) at most, besides the count
# of documents: a raw page may be megabytes (FETCH_MAX_BYTES), and a pool holds up to a few
# hundred of them; about as much as a hundred pages of that size.
MAX_IN_FLIGHT_SIZE = 64 * 1024 * 1024

# What a run prepares: a document, or a fetched page whose document is extracted first.
Job = Document | FetchedPage
# What preparing one job gave: its articles, or the exception that refused it.
Prepared = list[NewArticle] | Exception
# Prepares jobs, an outcome for each in order: in a thread by default, or in workers.
PrepareMany = Callable[[list[Job]], Awaitable[list[Prepared]]]


def prepare_each(pipeline: ArticlePipeline, jobs: list[Job]) -> list[Prepared]:
    """Each job through the pipeline (a page extracted first); one that fails gives its
    exception, alone."""
    out: list[Prepared] = []
    for job in jobs:
        try:
            document = job if isinstance(job, Document) else extracted(job)
            out.append(pipeline.prepare(document))
        except Exception as exc:  # a bug or a resource limit in one document: report, go on
            out.append(exc)
    return out


def extracted(page: FetchedPage) -> Document:
    """The page's document; ``Refused`` with the web source's own words when it has none
    (``SourceError``: its reason; anything else: ``unexpected error: ...``)."""
    try:
        return page.document()
    except SourceError as exc:
        raise Refused(str(exc)) from None
    except Exception as exc:
        log.exception("extracting %s failed", page.source)
        raise Refused(f"unexpected error: {describe_error(exc)}") from None


class KnowsUrls(Protocol):
    """What a run asks the store before pages are fetched: one URL, or many at once."""

    async def has_url(self, url: str) -> bool:
        """Whether an article with this URL is stored."""
        ...

    async def stored_urls(self, urls: Sequence[str]) -> set[str]:
        """Those of ``urls`` that an article is stored with."""
        ...


class IngestRun:
    """Takes documents from any source through the pipeline and the writer; counts it all.

    With ``name_duplicates``, each exact duplicate is also listed by source (JSON Lines name
    the line), as near duplicates always are.
    """

    def __init__(
        self,
        pipeline: ArticlePipeline,
        writer: ArticleWriter,
        store: KnowsUrls,
        *,
        batch: int = WRITE_BATCH,
        name_duplicates: bool = False,
        prepare: PrepareMany | None = None,
        in_flight: int = 1,
        chunk: int = 1,
    ) -> None:
        self._pipeline = pipeline
        self._prepare = prepare or self._in_thread
        self._in_flight = max(1, in_flight)
        self._chunk = max(1, min(chunk, self._in_flight))
        # Jobs not yet handed to ``prepare``, then those being prepared (with their call and
        # place in it), oldest first; settled one at a time, in order.
        self._unsent: list[Job] = []
        self._flight: deque[tuple[Job, asyncio.Future[list[Prepared]], int]] = deque()
        self._held = 0  # the size of the jobs in both, in characters or bytes
        self._settling = asyncio.Lock()
        self._writer = writer
        self._store = store
        self._batch = max(1, batch)
        self._name_duplicates = name_duplicates
        self._pending: list[tuple[Job, list[NewArticle]]] = []
        self._writing: asyncio.Task[None] | None = None
        # URLs looked up ahead (``look_up``) and, of them, those stored when looked up.
        self._looked_up: set[str] = set()
        self._stored: set[str] = set()
        self.report = IngestReport()

    async def look_up(self, urls: Iterable[str]) -> None:
        """Ask the store about many URLs at once (a query per ``URL_LOOKUP_CHUNK``), so that
        ``seen`` answers them without a query each."""
        fresh = [url for url in dict.fromkeys(urls) if url not in self._looked_up]
        for start in range(0, len(fresh), URL_LOOKUP_CHUNK):
            chunk = fresh[start : start + URL_LOOKUP_CHUNK]
            self._stored |= await self._store.stored_urls(chunk)
            self._looked_up.update(chunk)

    async def seen(self, url: str) -> bool:
        """Whether the URL is stored already; a stored one counts as a duplicate."""
        if url in self._looked_up:
            stored = url in self._stored
        else:
            stored = await self._store.has_url(url)
        if stored:
            self.report.duplicates += 1
        return stored

    async def take(self, document: Document) -> None:
        """Prepare one document and queue it for the next write; a document that cannot be
        prepared is refused, with the reason. Returns once at most ``in_flight`` documents
        are still being prepared (with ``batch=1``: once this one is written)."""
        await self._take(document)

    async def take_page(self, page: FetchedPage) -> None:
        """``take`` for a fetched page: extracted and prepared in one call; a page without an
        article is refused with the reason."""
        await self._take(page)

    async def _take(self, job: Job) -> None:
        if self._batch == 1:
            # Written before take returns, so a caller may read the report right after.
            (outcome,) = await self._prepare([job])
            prepared = self._prepared(job, outcome)
            if prepared is None:
                return
            await self._wait()
            self._pending.append((job, prepared))
            batch, self._pending = self._pending, []
            await self._write(batch)
            return
        self._unsent.append(job)
        self._held += _size(job)
        if len(self._unsent) >= self._chunk:
            self._send()
        while self._unsent or self._flight:
            held = len(self._unsent) + len(self._flight)
            if held < self._in_flight and self._held < MAX_IN_FLIGHT_SIZE:
                break
            await self._settle_oldest()

    async def _in_thread(self, jobs: list[Job]) -> list[Prepared]:
        return await asyncio.to_thread(prepare_each, self._pipeline, jobs)

    def _send(self) -> None:
        jobs, self._unsent = self._unsent, []
        if jobs:
            call = asyncio.ensure_future(self._prepare(jobs))
            self._flight.extend((job, call, n) for n, job in enumerate(jobs))

    def _prepared(self, document: Job, outcome: Prepared) -> list[NewArticle] | None:
        if not isinstance(outcome, Exception):
            return outcome
        if isinstance(outcome, Refused):
            self.report.refuse(document.source, str(outcome))
        else:
            log.warning("preparing %s failed: %s", document.source, describe_error(outcome))
            self.report.refuse(document.source, describe_error(outcome))
        return None

    async def _settle_oldest(self) -> None:
        # One at a time, oldest first: the write order is the order documents were taken.
        async with self._settling:
            if not self._flight:
                self._send()  # the oldest is not sent yet: send what there is
            if not self._flight:
                return
            document, call, n = self._flight.popleft()
            self._held -= _size(document)
            try:
                outcome = (await call)[n]
            except Exception as exc:  # the call itself failed: each of its documents says so
                outcome = exc
            prepared = self._prepared(document, outcome)
            if prepared is None:
                return
            self._pending.append((document, prepared))
            if len(self._pending) >= self._batch:
                await self._start_write()

    async def finish(self) -> IngestReport:
        """Prepare and write what is still queued and wait for it; the report."""
        while self._flight or self._unsent:
            await self._settle_oldest()
        await self._start_write()
        await self._wait()
        return self.report

    async def _wait(self) -> None:
        if self._writing is not None:
            writing, self._writing = self._writing, None
            await writing

    async def _start_write(self) -> None:
        # One write in flight at a time, in the order taken; preparing goes on meanwhile.
        await self._wait()
        batch, self._pending = self._pending, []
        if batch:
            self._writing = asyncio.create_task(self._write(batch))

    async def _write(self, batch: list[tuple[Job, list[NewArticle]]]) -> None:
        try:
            results: list[Written | Exception] = await self._writer.write_each(
                [articles for _, articles in batch]
            )
        except Exception as exc:  # the store is unreachable: every document of the batch fails
            results = [exc] * len(batch)
        for (document, _), result in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                # The store rolled the document back; the reason is reported.
                log.warning("storing %s failed: %s", document.source, describe_error(result))
                self.report.refuse(document.source, describe_error(result))
                continue
            self.report.added += len(result.added)
            self.report.duplicates += result.duplicates + len(result.near_duplicates)
            if self._name_duplicates and result.duplicates:
                self.report.near_duplicates.append(
                    (document.source, "already stored (same text or URL)")
                )
            for reason in result.near_duplicates:
                log.info("%s: %s", document.source, reason)
                self.report.near_duplicates.append((document.source, reason))


def _size(job: Job) -> int:
    """What a job holds in memory until it is prepared: a page's bytes, a document's text."""
    return len(job.body) if isinstance(job, FetchedPage) else len(job.text)
