"""The one way in: every kind of source read through one pipeline and one writer.

An ``Ingestor`` is made once per process (the bot, a command-line run) and shared, so that its
writer's lock and near-duplicate index cover every source alike: files, pages, feeds and the
feed poll. Each call is a run with its own report.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

import httpx

from bot import metrics
from bot.config import Settings
from bot.ingest.index import analyzer_for
from bot.ingest.pool import CHUNK, PreparePool, worker_count
from bot.ingest.prepare import ArticlePipeline
from bot.ingest.run import WRITE_BATCH, IngestRun, KnowsUrls
from bot.ingest.writer import ArticleStore, ArticleWriter
from bot.sources.cadence import HostSpacing
from bot.sources.client import make_client, make_fetcher
from bot.sources.documents import IngestReport
from bot.sources.fetch import Fetcher
from bot.sources.files import FilePolicy, Progress, read_files
from bot.sources.jsonl import read_jsonl
from bot.sources.poll import PollPolicy, PollReport, poll_feeds_once
from bot.sources.rsshub import RsshubFetcher, instances_from
from bot.sources.urls import is_url
from bot.sources.web import WebSource
from bot.store.feeds import FeedStore
from summaries import CategoryModel, Summarizer
from summaries.model import Topic
from summaries.segmenter import segmenter

# The operator's command line and the seeds: any regular file outside the system folders.
ANYWHERE = FilePolicy()
# Pages or feeds read at once; each one's own pages are bounded by the source and per-host limits.
SOURCE_CONCURRENCY = 4


class IngestStore(ArticleStore, KnowsUrls, Protocol):
    """What ingest needs of the store: what the writer writes with and a run asks of URLs."""


class Ingestor:
    """Reads files, pages and feeds into the store through one pipeline and one writer."""

    def __init__(
        self,
        store: IngestStore,
        *,
        settings: Settings,
        topics: Sequence[Topic],
        categories: CategoryModel | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        # One segmenter (TOKENIZER) for the digests and the index tokens alike.
        self.words = segmenter(settings.tokenizer)
        summarizer = Summarizer(
            topics=topics,
            max_chars=settings.digest_max_chars,
            max_sentences=settings.digest_max_sentences,
            tokenizer=self.words.words,
        )
        if categories is None:
            categories = CategoryModel(settings.category_model_file)
        self.categories = categories
        self.pipeline = ArticlePipeline(summarizer, analyzer_for(self.words), categories=categories)
        self.writer = ArticleWriter(store)
        # INGEST_WORKERS processes prepare the documents of bulk runs (1: in this process).
        self.workers = worker_count(settings.ingest_workers)
        self._pool: PreparePool | None = None
        self._pool_users = 0

    def run(
        self,
        *,
        batch: int = WRITE_BATCH,
        name_duplicates: bool = False,
        pool: PreparePool | None = None,
    ) -> IngestRun:
        """A new run: a sink for documents with its own report (``finish`` it); with ``pool``
        its documents are prepared in worker processes."""
        if pool is None:
            return IngestRun(
                self.pipeline, self.writer, self.store, batch=batch, name_duplicates=name_duplicates
            )
        return IngestRun(
            self.pipeline,
            self.writer,
            self.store,
            batch=batch,
            name_duplicates=name_duplicates,
            prepare=pool.prepare,
            in_flight=pool.in_flight,
            chunk=CHUNK,
        )

    @asynccontextmanager
    async def _workers(self) -> AsyncIterator[PreparePool | None]:
        """The worker pool for a bulk run (None with one worker), shared by the runs at once
        and stopped after the last of them: an idle bot keeps no worker processes."""
        if self.workers <= 1:
            yield None
            return
        if self._pool is None or self._pool.pipeline is not self.pipeline:
            self._pool = PreparePool(self.pipeline, self.workers)
        pool = self._pool
        self._pool_users += 1
        stopped = True
        try:
            yield pool
            stopped = False
        finally:
            self._pool_users -= 1
            if self._pool_users == 0:
                # Cancelled (Ctrl-C) or failed: terminate the workers rather than wait.
                pool.close(kill=stopped)
                if self._pool is pool:
                    self._pool = None

    async def files(
        self,
        paths: Sequence[Path | str],
        *,
        policy: FilePolicy = ANYWHERE,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Files and folders (their *.txt files, recursively), written in batches of files."""
        async with self._workers() as pool:
            run = self.run(pool=pool)
            await read_files(paths, run, policy=policy, progress=progress)
            await run.finish()
        return _counted("file", run.report)

    async def jsonl(self, path: Path | str, *, progress: Progress | None = None) -> IngestReport:
        """A JSON Lines file, streamed: one article a line, written in batches; each refused
        or duplicate line is named ``FILE:LINE``."""
        async with self._workers() as pool:
            run = self.run(name_duplicates=True, pool=pool)
            await read_jsonl(Path(path), run, progress=progress)
            await run.finish()
        return _counted("jsonl", run.report)

    async def urls(
        self,
        urls: Sequence[str],
        *,
        fetcher: Fetcher | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Pages and feeds; one that cannot be read is refused with the reason."""
        if fetcher is not None:
            return await self._urls(urls, fetcher, progress)
        async with make_client(self.settings) as client:
            return await self._urls(urls, make_fetcher(client, self.settings), progress)

    async def sources(
        self,
        sources: Sequence[str],
        *,
        policy: FilePolicy = ANYWHERE,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Paths and URLs as typed (``bot.sources.urls.is_url`` tells which is which)."""
        report = IngestReport()
        paths = [s for s in sources if not is_url(s)]
        urls = [s.strip() for s in sources if is_url(s)]
        if paths:
            report.merge(await self.files(paths, policy=policy, progress=progress))
        if urls:
            report.merge(await self.urls(urls, progress=progress))
        return report

    async def poll_feeds(
        self,
        now: datetime,
        *,
        feeds: FeedStore,
        client: httpx.AsyncClient | None = None,
        fetcher: Fetcher | None = None,
    ) -> PollReport:
        """One polling round over every due feed (FEEDS registered first)."""
        if fetcher is None:
            if client is None:
                async with make_client(self.settings) as own:
                    return await self.poll_feeds(now, feeds=feeds, client=own)
            fetcher = make_fetcher(client, self.settings)
        interval = timedelta(minutes=self.settings.feed_poll_minutes)
        policy = PollPolicy(
            interval=interval,
            disable_after=timedelta(days=self.settings.feed_disable_days),
            spacing=HostSpacing(self.settings.feed_host_spacing_seconds),
        )
        # Each entry written as it comes: the round reports what each feed added.
        run = self.run(batch=1)
        report = await poll_feeds_once(
            feeds,
            self.web(fetcher),
            run,
            configured=self.settings.feeds,
            now=now,
            interval=interval,
            policy=policy,
        )
        # Not on cancellation (the bot stopping): what was not written is fetched next round.
        await run.finish()
        _counted("feed", report.articles)
        for url, _reason in report.errors:
            metrics.count_feed_failure(url)
        return report

    def web(self, fetcher: Fetcher, *, run: IngestRun | None = None) -> WebSource:
        """Pages and feeds over ``fetcher``, rsshub:// routes read from RSSHUB_BASE_URL; with
        ``run``, fetched pages go to it unextracted, to be extracted where they are prepared
        (in its worker processes, one call a page for both)."""
        routes = RsshubFetcher(fetcher, instances_from(self.settings))
        return WebSource(
            routes,
            max_page_fetches=self.settings.feed_max_page_fetches,
            pages=run.take_page if run is not None else None,
        )

    async def _urls(
        self, urls: Sequence[str], fetcher: Fetcher, progress: Progress | None
    ) -> IngestReport:
        async with self._workers() as pool:
            return await self._read_urls(urls, fetcher, progress, pool)

    async def _read_urls(
        self,
        urls: Sequence[str],
        fetcher: Fetcher,
        progress: Progress | None,
        pool: PreparePool | None,
    ) -> IngestReport:
        run = self.run(pool=pool)
        web = self.web(fetcher, run=run)
        gate = asyncio.Semaphore(SOURCE_CONCURRENCY)
        unique = list(dict.fromkeys(urls))
        # One query per few hundred URLs instead of one before each fetch.
        await run.look_up(unique)
        done = 0

        async def one(url: str) -> None:
            nonlocal done
            async with gate:
                outcome = await web.read(url, run)
            if outcome.error is not None:
                run.report.refuse(url, outcome.error)
            done += 1
            if progress is not None:
                progress(done, len(unique))

        await asyncio.gather(*(one(url) for url in unique))
        await run.finish()
        return _counted("web", run.report)


def _counted(source: str, report: IngestReport) -> IngestReport:
    metrics.count_ingest(
        source, added=report.added, duplicates=report.duplicates, refused=len(report.refused)
    )
    return report
