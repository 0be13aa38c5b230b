"""The writer: the only way articles enter the store, with every duplicate check, under one lock.

Exact duplicates (same content hash, or same URL) are the store's unique keys; near duplicates
(SimHash fingerprints within NEAR_DUPLICATE_BITS) are found in an in-memory index of every
stored fingerprint. The check and the insert run under one lock, so two documents arriving
at once cannot both pass the check; before each write the index takes in articles other
processes stored since (ids above the last one it saw). A batch (one file's articles) is stored
in one transaction: a failure stores none of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.ingest.dedupe import NEAR_DUPLICATE_BITS, NearDuplicateIndex
from bot.store.records import AddResult, NewArticle


class ArticleStore(Protocol):
    """What the writer needs of the store."""

    async def add_articles(self, articles: Sequence[NewArticle]) -> AddResult:
        """Store articles in one transaction, skipping exact duplicates."""
        ...

    async def fingerprints(self, *, after: int = 0) -> list[tuple[int, int]]:
        """(id, fingerprint) of stored articles with an id above ``after``."""
        ...

    async def has_content(self, content_hash: str) -> bool:
        """Whether an article with this content hash is stored."""
        ...

    async def has_url(self, url: str) -> bool:
        """Whether an article with this URL is stored."""
        ...


def near_duplicate_reason(article_id: int | None, distance: int) -> str:
    """The words every source uses for a near duplicate (``None``: one earlier in the batch)."""
    of = f"article #{article_id}" if article_id is not None else "an article before it"
    return f"near-duplicate of {of} (SimHash distance {distance})"


@dataclass(frozen=True)
class Written:
    """What one write did: new ids, exact duplicates, and a reason per near duplicate."""

    added: tuple[int, ...]
    duplicates: int
    near_duplicates: tuple[str, ...]


class ArticleWriter:
    """Stores prepared articles after the exact and near-duplicate checks."""

    def __init__(self, store: ArticleStore, *, max_distance: int = NEAR_DUPLICATE_BITS) -> None:
        self._store = store
        self._index = NearDuplicateIndex(max_distance=max_distance)
        self._max_distance = max_distance
        self._last_seen = 0
        # Ids this writer stored and indexed itself, which _catch_up must not index twice.
        self._own: set[int] = set()
        self._lock = asyncio.Lock()

    async def _catch_up(self) -> None:
        for article_id, fingerprint in await self._store.fingerprints(after=self._last_seen):
            if article_id not in self._own:
                self._index.add(article_id, fingerprint)
            self._last_seen = max(self._last_seen, article_id)
        self._own = {i for i in self._own if i > self._last_seen}

    async def _is_stored(self, article: NewArticle) -> bool:
        """The very article (same text or same URL) is stored: an exact duplicate."""
        if await self._store.has_content(article.content_hash):
            return True
        return article.url is not None and await self._store.has_url(article.url)

    async def write(self, articles: Sequence[NewArticle]) -> Written:
        """Store what is neither a duplicate nor a near duplicate, in one transaction."""
        async with self._lock:
            await self._catch_up()
            batch = NearDuplicateIndex(max_distance=self._max_distance)
            keep: list[NewArticle] = []
            near: list[str] = []
            hashes: set[str] = set()
            for article in articles:
                # The same text twice in one batch: the store counts the second as a duplicate.
                if article.fingerprint is not None and article.content_hash not in hashes:
                    stored = self._index.find(article.fingerprint)
                    earlier = batch.find(article.fingerprint)
                    # An exact duplicate goes on: the store skips it and counts it as one.
                    if stored is not None and not await self._is_stored(article):
                        near.append(near_duplicate_reason(*stored))
                        continue
                    if earlier is not None:
                        near.append(near_duplicate_reason(None, earlier[1]))
                        continue
                    batch.add(len(keep), article.fingerprint)
                hashes.add(article.content_hash)
                keep.append(article)
            result = await self._store.add_articles(keep) if keep else AddResult((), 0, ())
            for article, article_id in zip(keep, result.ids, strict=True):
                if article_id is not None and article.fingerprint is not None:
                    self._index.add(article_id, article.fingerprint)
                    self._own.add(article_id)
            return Written(
                added=result.added, duplicates=result.duplicates, near_duplicates=tuple(near)
            )
