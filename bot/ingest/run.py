"""One ingest run: the sink that every source's documents go into, and its report.

Documents are prepared one by one (in a thread: summarizing is CPU work) and written in
batches: ``batch`` documents' articles in one transaction, the next batch being prepared while
the last one is written (``batch=1``: each document is written before ``take`` returns, for
callers that read the report as they go: the feed poll counts what each feed added). A batch
whose transaction fails is written again document by document, so a bad document is refused
alone (``ArticleWriter.write_each``). ``finish`` writes what is left; every ingest calls it
before reading the report.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from bot.ingest.prepare import ArticlePipeline, Refused
from bot.ingest.writer import ArticleWriter, Written
from bot.sources.documents import Document, IngestReport, describe_error
from bot.store.records import NewArticle

log = logging.getLogger(__name__)

# Documents per write transaction: large enough that commits cost little per article, small
# enough that a batch retried one by one after a failure stays quick.
WRITE_BATCH = 100


class KnowsUrls(Protocol):
    """The store's one question asked before a page is fetched."""

    async def has_url(self, url: str) -> bool:
        """Whether an article with this URL is stored."""
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
    ) -> None:
        self._pipeline = pipeline
        self._writer = writer
        self._store = store
        self._batch = max(1, batch)
        self._name_duplicates = name_duplicates
        self._pending: list[tuple[Document, list[NewArticle]]] = []
        self._writing: asyncio.Task[None] | None = None
        self.report = IngestReport()

    async def seen(self, url: str) -> bool:
        """Whether the URL is stored already; a stored one counts as a duplicate."""
        if await self._store.has_url(url):
            self.report.duplicates += 1
            return True
        return False

    async def take(self, document: Document) -> None:
        """Prepare (in a thread) one document and queue it for the next write; a document
        that cannot be prepared is refused, with the reason."""
        try:
            prepared = await asyncio.to_thread(self._pipeline.prepare, document)
        except Refused as exc:
            self.report.refuse(document.source, str(exc))
            return
        except Exception as exc:  # a bug or a resource limit in one document: report, go on
            log.warning("preparing %s failed: %s", document.source, describe_error(exc))
            self.report.refuse(document.source, describe_error(exc))
            return
        self._pending.append((document, prepared))
        if self._batch == 1:
            # Written before take returns, so a caller may read the report right after.
            await self._wait()
            batch, self._pending = self._pending, []
            await self._write(batch)
        elif len(self._pending) >= self._batch:
            await self._start_write()

    async def finish(self) -> IngestReport:
        """Write what is still queued and wait for it; the report."""
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

    async def _write(self, batch: list[tuple[Document, list[NewArticle]]]) -> None:
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
