"""The writer: the only way articles enter the store, with every duplicate check, under one lock.

Exact duplicates (same content hash, or same URL) are the store's unique keys; near duplicates
(SimHash fingerprints within NEAR_DUPLICATE_BITS) are found in an in-memory index of every
stored fingerprint. The check and the insert run under one lock, so two documents arriving
at once cannot both pass the check; before each write the index takes in articles other
processes stored since (ids above the last one it saw). A batch (one file's articles, or the
articles of many documents at once) is stored in one transaction: a failure stores none of it,
and ``write_each`` then writes each document alone, so one bad document loses only itself.
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


# What became of one article: its new id, None for an exact duplicate, or a near-duplicate reason.
Outcome = int | None | str


def _written(outcomes: Sequence[Outcome]) -> Written:
    return Written(
        added=tuple(o for o in outcomes if isinstance(o, int)),
        duplicates=sum(o is None for o in outcomes),
        near_duplicates=tuple(o for o in outcomes if isinstance(o, str)),
    )


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
            return _written(await self._store_batch(articles))

    async def write_each(self, groups: Sequence[Sequence[NewArticle]]) -> list[Written | Exception]:
        """Several documents' articles (a group each) in one transaction; what each did.

        When that transaction fails, nothing of it is stored and each group is written again
        alone, so one bad document costs only itself: its place in the answer holds the error.
        """
        async with self._lock:
            await self._catch_up()
            flat = [article for group in groups for article in group]
            try:
                outcomes = await self._store_batch(flat)
            except Exception:
                return [await self._retry_alone(group) for group in groups]
            out: list[Written | Exception] = []
            start = 0
            for group in groups:
                out.append(_written(outcomes[start : start + len(group)]))
                start += len(group)
            return out

    async def _retry_alone(self, group: Sequence[NewArticle]) -> Written | Exception:
        try:
            return _written(await self._store_batch(group))
        except Exception as exc:  # this document's own failure, reported for it alone
            return exc

    async def _store_batch(self, articles: Sequence[NewArticle]) -> list[Outcome]:
        """Checks and one insert transaction, under the lock; an outcome per article."""
        batch = NearDuplicateIndex(max_distance=self._max_distance)
        outcomes: list[Outcome] = []
        keep: list[NewArticle] = []
        slots: list[int] = []  # where each kept article's outcome goes
        later: list[tuple[int, int, int]] = []  # (outcome slot, kept index, distance)
        hashes: set[str] = set()
        for article in articles:
            # The same text twice in one batch: the store counts the second as a duplicate.
            if article.fingerprint is not None and article.content_hash not in hashes:
                stored = self._index.find(article.fingerprint)
                earlier = batch.find(article.fingerprint)
                # An exact duplicate goes on: the store skips it and counts it as one.
                if stored is not None and not await self._is_stored(article):
                    outcomes.append(near_duplicate_reason(*stored))
                    continue
                if earlier is not None:
                    # Named once the earlier article has its id, after the insert.
                    later.append((len(outcomes), earlier[0], earlier[1]))
                    outcomes.append(near_duplicate_reason(None, earlier[1]))
                    continue
                batch.add(len(keep), article.fingerprint)
            hashes.add(article.content_hash)
            slots.append(len(outcomes))
            outcomes.append(None)
            keep.append(article)
        # The in-memory index changes only once the transaction has committed.
        result = await self._store.add_articles(keep) if keep else AddResult((), 0, ())
        for article, article_id, slot in zip(keep, result.ids, slots, strict=True):
            outcomes[slot] = article_id
            if article_id is not None and article.fingerprint is not None:
                self._index.add(article_id, article.fingerprint)
                self._own.add(article_id)
        for slot, kept, distance in later:
            if result.ids[kept] is not None:
                outcomes[slot] = near_duplicate_reason(result.ids[kept], distance)
        return outcomes
