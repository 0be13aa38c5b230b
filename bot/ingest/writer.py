"""The writer: the only way articles enter the store, with every duplicate check, under one lock.

Exact duplicates (same content hash, or same URL) are the store's unique keys; near duplicates
(SimHash fingerprints within NEAR_DUPLICATE_BITS) are found in an in-memory index of every
stored fingerprint. The check and the insert run under one lock, so two documents arriving
at once cannot both pass the check; before each write the index takes in articles other
processes stored since (ids above the last one it saw). A batch (one file's articles, or the
articles of many documents at once) is stored in one transaction: a failure stores none of it,
and ``write_each`` then writes each document alone, so one bad document loses only itself.

Stories (summaries.stories): inside the insert's transaction, once the new articles have
their ids, each joins the best open story of the writer's ``StoryIndex`` or starts one, and
the assignments are written in that same transaction: no reader (a push) ever sees an article
without its story, which it would send as a story of its own. That transaction holds the
store's story lock from before the insert, and before assigning the index takes in the
stories other processes committed since it last looked (one query): two processes storing
reports of one event at the same moment put them in one story, the second joining the first's.
When the transaction fails the index, which took the articles in, is dropped and built again.
The index is built from the store on the first write: the signatures stored with the last
``STORY_WINDOW`` of articles are replayed (read, not recomputed: no tokenizing at start, and a
replayed article counts with the very signature it was grouped by); articles stored without a
story (by an import or an older release) are assigned then.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, cast

from bot.ingest.dedupe import NEAR_DUPLICATE_BITS, NearDuplicateIndex
from bot.store.records import (
    AddResult,
    GroupedAfter,
    NewArticle,
    StoredSignature,
    StoriesOf,
    StoryAssignment,
)
from summaries.stories import WINDOW as STORY_WINDOW
from summaries.stories import StoryIndex
from summaries.story_signature import StorySignature

log = logging.getLogger(__name__)


class ArticleStore(Protocol):
    """What the writer needs of the store."""

    async def add_articles(
        self, articles: Sequence[NewArticle], *, stories: StoriesOf | None = None
    ) -> AddResult:
        """Store articles in one transaction, skipping exact duplicates, with the stories
        ``stories`` puts the new ones in."""
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

    async def assign_stories(self, assignments: Sequence[StoryAssignment]) -> None:
        """Put articles in their stories, in one transaction."""
        ...

    async def story_signatures(
        self, *, since: datetime | None = None, after: int = 0
    ) -> list[StoredSignature]:
        """Stored story signatures (id above ``after``, sorted at or after ``since``), by id."""
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

    def __init__(
        self,
        store: ArticleStore,
        *,
        max_distance: int = NEAR_DUPLICATE_BITS,
        stories: Callable[[], StoryIndex] = StoryIndex,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._new_story_index = stories
        self._clock = clock
        self._stories: StoryIndex | None = None  # built from the store on the first write
        self._story_seen = 0  # the highest article id the story index has looked at
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
        if self._stories is None:
            await self._build_stories()

    async def _build_stories(self) -> None:
        """Build the story index from the store (other processes' later stories are taken in
        inside each insert's transaction: ``_take_in``)."""
        self._stories = self._new_story_index()
        rows = await self._store.story_signatures(since=self._clock() - STORY_WINDOW)
        loose: list[tuple[int, StorySignature]] = []
        for row in rows:
            signature = _signature(row.signature)
            if signature is None:
                continue
            if row.story_id is None:
                loose.append((row.article_id, signature))
            else:
                self._stories.add(row.article_id, signature, row.story_id)
            self._story_seen = max(self._story_seen, row.article_id)
        # Stored without a story (an import, an older release): assigned now.
        await self._assign(loose)

    def _take_in(self, rows: Sequence[StoredSignature]) -> None:
        """Add the stories other processes gave their articles (each row in a story, with an id
        above ``_story_seen``: never one of this writer's, which it has seen)."""
        assert self._stories is not None
        for row in rows:
            signature = _signature(row.signature)
            if signature is not None and row.story_id is not None:
                self._stories.add(row.article_id, signature, row.story_id)

    async def _assign(self, new: Sequence[tuple[int, StorySignature]]) -> None:
        """Put stored articles that have no story in stories and store that (at a rebuild); a
        failure leaves them without one until the index is rebuilt at the next write."""
        if not new:
            return
        out = self._assignments(new)
        try:
            await self._store.assign_stories(out)
        except Exception:
            log.exception("could not store the stories of %d articles", len(out))
            self._stories = None  # rebuilt from what the store holds

    def _assignments(self, new: Sequence[tuple[int, StorySignature]]) -> list[StoryAssignment]:
        """Put articles in stories in the index; the rows to store for them."""
        assert self._stories is not None
        out: list[StoryAssignment] = []
        for article_id, signature in new:
            assignment = self._stories.assign(article_id, signature)
            story = self._stories.story(assignment.story)
            # The index's ids are the article ids it was given: ints here.
            story_id = cast(int, assignment.story)
            representative = cast(int, story.representative) if story is not None else article_id
            out.append(StoryAssignment(article_id, story_id, representative))
        return out

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
                # A failure after the stories were taken in dropped the story index: build it
                # again first, so that the documents retried alone still join their stories.
                with contextlib.suppress(Exception):  # the store is down: the retries say so
                    await self._catch_up()
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
        signatures = [_signature(article.story_signature) for article in keep]
        grouped = False
        seen = self._story_seen

        async def stories_of(
            ids: Sequence[int | None], grouped_after: GroupedAfter
        ) -> list[StoryAssignment]:
            # Inside the insert's transaction, so that no push sees an article without its
            # story (it would go out as a story of its own to a chat that had the story), and
            # under the story lock, so that what other processes stored is all there to join.
            nonlocal grouped, seen
            new = [(i, s) for i, s in zip(ids, signatures, strict=True) if i and s is not None]
            if self._stories is None or not new:
                return []
            grouped = True
            others = await grouped_after(self._story_seen)
            self._take_in(others)
            # No id at or below these can commit after this transaction: the lock orders them.
            seen = max([self._story_seen, *(r.article_id for r in others), *(i for i in ids if i)])
            return self._assignments(new)

        # The indexes' read positions change only once the transaction has committed.
        try:
            result = (
                await self._store.add_articles(keep, stories=stories_of)
                if keep
                else AddResult((), 0, ())
            )
        except BaseException:
            if grouped:
                self._stories = None  # it took in articles that were not stored: rebuild
            raise
        self._story_seen = seen
        for article, article_id, slot in zip(keep, result.ids, slots, strict=True):
            outcomes[slot] = article_id
            if article_id is not None and article.fingerprint is not None:
                self._index.add(article_id, article.fingerprint)
                self._own.add(article_id)
        for slot, kept, distance in later:
            if result.ids[kept] is not None:
                outcomes[slot] = near_duplicate_reason(result.ids[kept], distance)
        self._seen_own(result.ids)
        return outcomes

    def _seen_own(self, ids: Sequence[int | None]) -> None:
        """Let the next catch-up start after this writer's own committed articles when they
        are the very next ids: no other process's article can lie among them, and reading
        them back (a fingerprint each) was most of what a catch-up cost."""
        added = sorted(i for i in ids if i is not None)
        if not added or added[-1] - added[0] + 1 != len(added):
            return
        if added[0] == self._last_seen + 1:
            self._last_seen = added[-1]


def _signature(text: str | None) -> StorySignature | None:
    """The signature a JSON text holds; None (the article stays alone) when it holds none."""
    if not text:
        return None
    try:
        return StorySignature.from_json(json.loads(text))
    except (ValueError, TypeError):
        return None
