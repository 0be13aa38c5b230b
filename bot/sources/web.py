"""Web pages and RSS/Atom feeds as a source: fetch, tell feed from page, extract documents.

A page gives one document; a feed gives one per entry, from the entry's own text when it
carries the article, else from the page it links to. Page fetches per feed read are capped
(FEED_MAX_PAGE_FETCHES): entries past the cap wait for the next poll, which refetches the feed
in full because the validators of a read cut short are not kept. Parsing runs in a thread, so
a large feed never holds the event loop; everything else is plain awaits, so cancelling a read
(at shutdown) stops it at once. A source given ``pages`` hands each fetched page on as it is
(``FetchedPage``), so that extracting it runs in the same worker call as preparing it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from bot.sources.cadence import feed_ttl_seconds
from bot.sources.documents import Document, DocumentSink, describe_error
from bot.sources.errors import SourceError, UnreadableContent
from bot.sources.fetched_page import FetchedPage
from bot.sources.parse import FeedEntry, looks_like_feed, parse_feed
from bot.sources.rsshub import Fetches

log = logging.getLogger(__name__)

# Feed entries whose pages are fetched at once (the fetcher's per-host limit applies as well).
ENTRY_CONCURRENCY = 8


@dataclass
class SourceOutcome:
    """What reading one page or feed did; ``error`` is set when it could not be read at all.

    Articles and refused items are counted in the sink's report, not here.
    """

    url: str
    error: str | None = None
    kind: str = ""  # "feed", "page" or "" when unknown
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    # Entries left for a later read because the page-fetch cap was reached.
    deferred: int = 0
    # How long the server says nothing new comes (the feed's <ttl>, the answer's max-age).
    fresh_seconds: int | None = None
    # The newest entry date the feed gave (None when undated or not read).
    newest_entry_at: datetime | None = None


# Takes a fetched page to extract and prepare elsewhere (``IngestRun.take_page``).
TakePage = Callable[[FetchedPage], Awaitable[None]]


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


class WebSource:
    """Reads pages and feeds into a sink, with at most ``max_page_fetches`` pages per feed.

    Each fetched page goes to ``pages`` unextracted when it is given (it refuses a page without
    an article itself, with the same reason); else its article is extracted here, in a thread,
    and the document goes to the sink.
    """

    def __init__(
        self, fetcher: Fetches, *, max_page_fetches: int, pages: TakePage | None = None
    ) -> None:
        self._fetcher = fetcher
        self._max_page_fetches = max_page_fetches
        self._pages = pages

    async def read(
        self,
        url: str,
        sink: DocumentSink,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        feed_only: bool = False,
    ) -> SourceOutcome:
        """Read one page or feed; errors become ``outcome.error``, never exceptions.

        ``feed_only`` (for registered feeds) refuses a URL that serves a page.
        """
        outcome = SourceOutcome(url=url)
        try:
            if not feed_only and await sink.seen(url):
                outcome.kind = "page"
                return outcome
            fetched = await self._fetcher.fetch(url, etag=etag, last_modified=last_modified)
            outcome.etag, outcome.last_modified = fetched.etag, fetched.last_modified
            outcome.fresh_seconds = fetched.max_age
            if fetched.not_modified:
                outcome.not_modified = True
                return outcome
            if looks_like_feed(fetched.body, fetched.content_type):
                outcome.kind = "feed"
                entries = await asyncio.to_thread(
                    parse_feed, fetched.body, fetched.content_type, fetched.url
                )
                ttl = feed_ttl_seconds(fetched.body)
                if ttl is not None:
                    outcome.fresh_seconds = max(ttl, outcome.fresh_seconds or 0)
                dates = [entry.published_at for entry in entries if entry.published_at]
                outcome.newest_entry_at = max(dates, default=None)
                await self._read_entries(url, entries, sink, outcome)
            elif feed_only:
                raise UnreadableContent("not a feed: the URL serves a web page")
            else:
                outcome.kind = "page"
                known = Document(source=url, text="", origin=_host(url), url=url)
                await self._hand_on(
                    FetchedPage(fetched.body, fetched.content_type, fetched.url, known), sink
                )
        except SourceError as exc:
            outcome.error = str(exc)
        except Exception as exc:
            # A bug or a database failure must still end as one line, never a traceback.
            log.exception("reading %s failed", url)
            outcome.error = f"unexpected error: {describe_error(exc)}"
        return outcome

    async def _hand_on(self, page: FetchedPage, sink: DocumentSink) -> None:
        """The page to ``pages``, or its document to the sink (SourceError: no article)."""
        if self._pages is not None:
            await self._pages(page)
        else:
            await sink.take(await asyncio.to_thread(page.document))

    async def _read_entries(
        self, feed_url: str, entries: list[FeedEntry], sink: DocumentSink, outcome: SourceOutcome
    ) -> None:
        gate = asyncio.Semaphore(ENTRY_CONCURRENCY)
        fetches_left = self._max_page_fetches

        async def one(entry: FeedEntry) -> None:
            nonlocal fetches_left
            name = entry.link or entry.title or feed_url
            async with gate:
                try:
                    if entry.link and await sink.seen(entry.link):
                        return
                    if not entry.has_article:
                        if fetches_left <= 0:
                            outcome.deferred += 1
                            return
                        fetches_left -= 1
                    await self._entry(feed_url, entry, sink)
                except SourceError as exc:
                    sink.report.refuse(name, str(exc))
                except Exception as exc:
                    log.exception("feed entry %s failed", name)
                    sink.report.refuse(name, f"unexpected error: {describe_error(exc)}")

        await asyncio.gather(*(one(entry) for entry in entries))
        if outcome.deferred:
            log.info(
                "%s: %d entries left for the next read (FEED_MAX_PAGE_FETCHES=%d)",
                feed_url,
                outcome.deferred,
                self._max_page_fetches,
            )
            # Without validators the next read gets the whole feed, deferred entries included.
            outcome.etag = outcome.last_modified = None

    async def _entry(self, feed_url: str, entry: FeedEntry, sink: DocumentSink) -> None:
        """The entry's document to the sink, or the page it links to (its own title, author
        and date first)."""
        known = Document(
            source=entry.link or entry.title or feed_url,
            text=entry.text if entry.has_article else "",
            origin=_host(entry.link or feed_url),
            title=entry.title,
            author=entry.author,
            url=entry.link,
            published_at=entry.published_at,
            feed=feed_url,
        )
        if entry.has_article:
            await sink.take(known)
            return
        assert entry.link is not None  # an entry without text always has a link
        fetched = await self._fetcher.fetch(entry.link)
        await self._hand_on(
            FetchedPage(fetched.body, fetched.content_type, fetched.url, known), sink
        )
