"""From a URL to stored articles: fetch, tell feed from page, extract, summarize, dedupe, store."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from bot.config import Settings
from bot.services.ingest import describe_error, prepare_article
from bot.sources.dedupe import NearDuplicateIndex
from bot.sources.errors import SourceError, UnreadableContent
from bot.sources.fetch import Fetcher, FetchResult
from bot.sources.parse import FeedEntry, extract_page, looks_like_feed, parse_feed
from bot.store.api import Store
from bot.store.records import NewArticle
from summaries.model import Topic
from summaries.pages import article_from_text

log = logging.getLogger(__name__)

# Feed entries whose pages are fetched at once (the fetcher's per-host limit applies as well).
ENTRY_CONCURRENCY = 8


@dataclass
class SourceOutcome:
    """What reading one source did; ``error`` is set when the source itself could not be read."""

    url: str
    added: int = 0
    duplicates: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None
    kind: str = ""  # "feed", "page" or "" when unknown
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


class Ingestor:
    """Reads pages and feeds into one store, skipping same-URL, same-text and near duplicates."""

    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        *,
        settings: Settings,
        topics: Sequence[Topic],
        index: NearDuplicateIndex,
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._settings = settings
        self._topics = topics
        self._index = index
        # The near-duplicate check and the insert must not interleave between two articles.
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(
        cls, store: Store, fetcher: Fetcher, *, settings: Settings, topics: Sequence[Topic]
    ) -> Ingestor:
        """An ingestor whose near-duplicate index holds every stored fingerprint."""
        index = NearDuplicateIndex(await store.fingerprints())
        return cls(store, fetcher, settings=settings, topics=topics, index=index)

    async def ingest(
        self,
        url: str,
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
            if not feed_only and await self._store.has_url(url):
                outcome.duplicates += 1
                outcome.kind = "page"
                return outcome
            fetched = await self._fetcher.fetch(url, etag=etag, last_modified=last_modified)
            outcome.etag, outcome.last_modified = fetched.etag, fetched.last_modified
            if fetched.not_modified:
                outcome.not_modified = True
                return outcome
            if looks_like_feed(fetched.body, fetched.content_type):
                outcome.kind = "feed"
                entries = parse_feed(fetched.body, fetched.content_type, fetched.url)
                await self._ingest_entries(url, entries, outcome)
            elif feed_only:
                raise UnreadableContent("not a feed: the URL serves a web page")
            else:
                outcome.kind = "page"
                await self._ingest_page(url, fetched, outcome)
        except SourceError as exc:
            outcome.error = str(exc)
        except Exception as exc:
            # A bug or a database failure must still end as one line, never a traceback.
            log.exception("ingesting %s failed", url)
            outcome.error = f"unexpected error: {describe_error(exc)}"
        return outcome

    async def _ingest_page(self, url: str, fetched: FetchResult, outcome: SourceOutcome) -> None:
        page = await asyncio.to_thread(
            extract_page, fetched.body, fetched.content_type, fetched.url
        )
        new = await self._prepare(
            page.text,
            title=page.title,
            author=page.author,
            source=_host(url),
            url=url,
            published_at=page.published_at,
        )
        await self._store_one(new, outcome)

    async def _ingest_entries(
        self, feed_url: str, entries: list[FeedEntry], outcome: SourceOutcome
    ) -> None:
        gate = asyncio.Semaphore(ENTRY_CONCURRENCY)

        async def one(entry: FeedEntry) -> None:
            async with gate:
                try:
                    await self._ingest_entry(feed_url, entry, outcome)
                except SourceError as exc:
                    outcome.refused.append((entry.link or entry.title or feed_url, str(exc)))
                except Exception as exc:
                    log.exception("feed entry %s failed", entry.link or entry.title)
                    reason = f"unexpected error: {describe_error(exc)}"
                    outcome.refused.append((entry.link or entry.title or feed_url, reason))

        await asyncio.gather(*(one(entry) for entry in entries))

    async def _ingest_entry(self, feed_url: str, entry: FeedEntry, outcome: SourceOutcome) -> None:
        if entry.link and await self._store.has_url(entry.link):
            outcome.duplicates += 1
            return
        if entry.has_article:
            text, title, published = entry.text, entry.title, entry.published_at
            author = entry.author
        else:
            assert entry.link is not None
            fetched = await self._fetcher.fetch(entry.link)
            page = await asyncio.to_thread(
                extract_page, fetched.body, fetched.content_type, fetched.url
            )
            text, title = page.text, entry.title or page.title
            published = entry.published_at or page.published_at
            author = entry.author or page.author
        new = await self._prepare(
            text,
            title=title,
            author=author,
            source=_host(entry.link or feed_url),
            url=entry.link,
            published_at=published,
        )
        await self._store_one(new, outcome)

    async def _prepare(
        self,
        text: str,
        *,
        title: str,
        author: str,
        source: str,
        url: str | None,
        published_at: datetime | None,
    ) -> NewArticle:
        def build() -> NewArticle:
            article = article_from_text(text, title=title)
            if not article.paragraphs:
                raise UnreadableContent("no article text found")
            if author and not article.authors:
                article = dataclasses.replace(article, authors=(author,))
            return prepare_article(
                article,
                source=source,
                topics=self._topics,
                max_chars=self._settings.digest_max_chars,
                max_sentences=self._settings.digest_max_sentences,
                url=url,
                published_at=published_at,
            )

        # Summarizing is CPU work; a thread keeps the bot's event loop answering meanwhile.
        return await asyncio.to_thread(build)

    async def _store_one(self, new: NewArticle, outcome: SourceOutcome) -> None:
        async with self._write_lock:
            if new.fingerprint is not None:
                near = self._index.find(new.fingerprint)
                if near is not None:
                    log.info(
                        "near-duplicate of article %d (%d bits): %s", near[0], near[1], new.url
                    )
                    outcome.duplicates += 1
                    return
            result = await self._store.add_articles([new])
            outcome.added += len(result.added)
            outcome.duplicates += result.duplicates
            if new.fingerprint is not None:
                for article_id in result.added:
                    self._index.add(article_id, new.fingerprint)
