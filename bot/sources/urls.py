"""``ingest_urls``: what ``python -m bot ingest URL...`` calls for http(s) arguments."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from bot.config import Settings
from bot.services.ingest import IngestReport
from bot.sources.client import make_client, make_fetcher
from bot.sources.fetch import Fetcher
from bot.sources.ingest import Ingestor, SourceOutcome
from bot.store.api import Store
from summaries.model import Topic

# Called after each source with (sources done, sources in all), e.g. to move a progress bar.
Progress = Callable[[int, int], None]

# Sources read at once; each one's own pages are bounded by the ingestor and per-host limits.
SOURCE_CONCURRENCY = 4


def report_of(outcomes: Sequence[SourceOutcome]) -> IngestReport:
    """One report for several sources: an unreadable source is a refused entry with its reason."""
    refused: list[tuple[str, str]] = []
    for outcome in outcomes:
        if outcome.error is not None:
            refused.append((outcome.url, outcome.error))
        refused.extend(outcome.refused)
    return IngestReport(
        added=sum(o.added for o in outcomes),
        duplicates=sum(o.duplicates for o in outcomes),
        refused=refused,
    )


async def ingest_urls(
    store: Store,
    urls: Sequence[str],
    *,
    settings: Settings,
    topics: Sequence[Topic],
    progress: Progress | None = None,
    fetcher: Fetcher | None = None,
) -> IngestReport:
    """Fetch each page or feed URL into ``store``; unreadable ones are refused with a reason."""
    if fetcher is not None:
        return await _run(store, urls, fetcher, settings=settings, topics=topics, progress=progress)
    async with make_client(settings) as client:
        own = make_fetcher(client, settings)
        return await _run(store, urls, own, settings=settings, topics=topics, progress=progress)


async def _run(
    store: Store,
    urls: Sequence[str],
    fetcher: Fetcher,
    *,
    settings: Settings,
    topics: Sequence[Topic],
    progress: Progress | None,
) -> IngestReport:
    ingestor = await Ingestor.open(store, fetcher, settings=settings, topics=topics)
    gate = asyncio.Semaphore(SOURCE_CONCURRENCY)
    done = 0
    unique = list(dict.fromkeys(urls))

    async def one(url: str) -> SourceOutcome:
        nonlocal done
        async with gate:
            outcome = await ingestor.ingest(url)
        done += 1
        if progress is not None:
            progress(done, len(unique))
        return outcome

    outcomes = await asyncio.gather(*(one(url) for url in unique))
    return report_of(outcomes)
