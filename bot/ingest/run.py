"""One ingest run: the sink that every source's documents go into, and its report."""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from bot.ingest.prepare import ArticlePipeline, Refused
from bot.ingest.writer import ArticleWriter
from bot.sources.documents import Document, IngestReport, describe_error

log = logging.getLogger(__name__)


class KnowsUrls(Protocol):
    """The store's one question asked before a page is fetched."""

    async def has_url(self, url: str) -> bool:
        """Whether an article with this URL is stored."""
        ...


class IngestRun:
    """Takes documents from any source through the pipeline and the writer; counts it all."""

    def __init__(self, pipeline: ArticlePipeline, writer: ArticleWriter, store: KnowsUrls) -> None:
        self._pipeline = pipeline
        self._writer = writer
        self._store = store
        self.report = IngestReport()

    async def seen(self, url: str) -> bool:
        """Whether the URL is stored already; a stored one counts as a duplicate."""
        if await self._store.has_url(url):
            self.report.duplicates += 1
            return True
        return False

    async def take(self, document: Document) -> None:
        """Prepare (in a thread) and store one document; failures refuse it, with the reason."""
        try:
            # Summarizing is CPU work: a thread keeps a bot's event loop answering meanwhile.
            prepared = await asyncio.to_thread(self._pipeline.prepare, document)
            written = await self._writer.write(prepared)
        except Refused as exc:
            self.report.refuse(document.source, str(exc))
            return
        except Exception as exc:  # the store rolled the document back; the reason is reported
            log.warning("storing %s failed: %s", document.source, describe_error(exc))
            self.report.refuse(document.source, describe_error(exc))
            return
        self.report.added += len(written.added)
        self.report.duplicates += written.duplicates + len(written.near_duplicates)
        for reason in written.near_duplicates:
            log.info("%s: %s", document.source, reason)
            self.report.near_duplicates.append((document.source, reason))
