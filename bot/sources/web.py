"""Web pages and RSS/Atom feeds as a source: fetch, tell feed from page, extract documents.

A page gives one document; a feed gives one per entry, from the entry's own text when it
carries the article, else from the page it links to. Page fetches per feed read are capped
(FEED_MAX_PAGE_FETCHES): entries past the cap wait for the next poll, which refetches the feed
in full because the validators of a read cut short are not kept. Parsing runs in a thread, so
a large feed never holds the event loop; everything else is plain awaits, so cancelling a read
(at shutdown) stops it at once.
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
from bot.sources.fetch import FetchResult
from bot.sources.parse import FeedEntry, PageArticle, extract_page, looks_like_feed, parse_feed
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


# Extracts a page's article from (body, content type, URL), e.g. in a worker process.
Extract = Callable[[bytes, str, str], Awaitable[PageArticle]]


async def _extract_in_thread(body: bytes, content_type: str, url: str) -> PageArticle:
    return await asyncio.to_thread(extract_page, body, content_type, url)


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


class WebSource:
    """Reads pages and feeds into a sink, with at most ``max_page_fetches`` pages per feed;
    ``extract`` takes a page's article out of its HTML (in a thread unless given)."""

    def __init__(
        self, fetcher: Fetches, *, max_page_fetches: int, extract: Extract | None = None
    ) -> None:
        self._fetcher = fetcher
        self._max_page_fetches = max_page_fetches
        self._extract = extract or _extract_in_thread

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
                await sink.take(await self._page(url, fetched))
        except SourceError as exc:
            outcome.error = str(exc)
        except Exception as exc:
            # A bug or a database failure must still end as one line, never a traceback.
            log.exception("reading %s failed", url)
            outcome.error = f"unexpected error: {describe_error(exc)}"
        return outcome

    async def _page(self, url: str, fetched: FetchResult) -> Document:
        page = await self._extract(fetched.body, fetched.content_type, fetched.url)
        return Document(
            source=url,
            text=page.text,
            origin=_host(url),
            title=page.title,
            author=page.author,
            url=url,
            published_at=page.published_at,
        )

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
                    await sink.take(await self._entry(feed_url, entry))
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

    async def _entry(self, feed_url: str, entry: FeedEntry) -> Document:
        source = entry.link or entry.title or feed_url
        origin = _host(entry.link or feed_url)
        if entry.has_article:
            return Document(
                source=source,
                text=entry.text,
                origin=origin,
                title=entry.title,
                author=entry.author,
                url=entry.link,
                published_at=entry.published_at,
                feed=feed_url,
            )
        assert entry.link is not None  # an entry without text always has a link
        fetched = await self._fetcher.fetch(entry.link)
        page = await self._extract(fetched.body, fetched.content_type, fetched.url)
        return Document(
            source=source,
            text=page.text,
            origin=origin,
            title=entry.title or page.title,
            author=entry.author or page.author,
            url=entry.link,
            published_at=entry.published_at or page.published_at,
            feed=feed_url,
        )
