"""Search: pages of matching articles, suggestions that find something, inline answers."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot import metrics
from bot.services.stories import entry_for
from bot.store.api import Store
from bot.store.records import SearchResult, StoredArticle
from summaries.model import Topic
from summaries.tokens import normalize_query_text, search_tokens

PAGE_SIZE = 5
INLINE_LIMIT = 20
MAX_QUERY_CHARS = 100
SUGGESTIONS = 5
# How many candidate words a no-hit search tries before it gives its suggestions: each try is
# one search, so the answer stays as quick as a few searches.
_SUGGESTION_TRIES = 12
# Latin words of at least this many letters are matched against topic names by their start
# (volunteers ~ Volunteering); shorter ones must match a whole word.
_STEM = 5
_LATIN_WORD = re.compile(r"[a-z]{3,}")
# The topics with the most articles change only with ingest: counted again after this long.
_POPULAR_TTL_SECONDS = 300.0


@dataclass(frozen=True)
class SearchPage:
    """One page of a search, with what is needed to render it and its buttons."""

    query: str
    page: int
    result: SearchResult
    page_size: int = PAGE_SIZE
    # Per hit (by article id): one report of each other source carrying the hit's story. The
    # store gives one hit per story; these say "另有 N 家来源" under it.
    others: dict[int, tuple[StoredArticle, ...]] = field(default_factory=dict)

    @property
    def first(self) -> int:
        """1-based position of the first hit on this page."""
        return self.page * self.page_size + 1

    @property
    def has_next(self) -> bool:
        """Whether another page follows."""
        return self.result.ranked > (self.page + 1) * self.page_size


@dataclass(frozen=True)
class Suggestion:
    """A query that finds articles: Chinese words, and the slug of the topic they name."""

    query: str
    hits: int
    topic: str | None = None


def clean_query(raw: str) -> str:
    """The query as searched: normalized as index tokens are, whitespace collapsed, trimmed."""
    return " ".join(normalize_query_text(raw).split())


def _latin_stem_match(word: str, name: str) -> bool:
    """Whether an English query word names the same thing as a word of a topic name."""
    for part in _LATIN_WORD.findall(name.lower()):
        if word == part or (len(word) >= _STEM and part[:_STEM] == word[:_STEM]):
            return True
    return False


class SearchService:
    """Full-text search over the store, with paging and suggestions."""

    def __init__(
        self,
        store: Store,
        topics: Sequence[Topic],
        *,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._store = store
        self._topics = tuple(topics)
        self._clock = clock
        self._popular: tuple[float, list[Suggestion]] | None = None

    async def search(self, raw: str, *, page: int = 0) -> SearchPage:
        """One page (PAGE_SIZE hits) of articles for ``raw``, best first."""
        query = clean_query(raw)
        with metrics.search_seconds.time():
            result = await self._store.search(query, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
        return SearchPage(query, page, result, others=await self._others(result))

    async def _others(self, result: SearchResult) -> dict[int, tuple[StoredArticle, ...]]:
        """The other sources of each hit's story, in one query for the page."""
        stories = {h.article.story_id for h in result.hits if h.article.story_id is not None}
        if not stories:
            return {}
        members = await self._store.story_members(sorted(stories))
        out: dict[int, tuple[StoredArticle, ...]] = {}
        for hit in result.hits:
            story = hit.article.story_id
            found = members.get(story) if story is not None else None
            if found:
                entry = entry_for([hit.article, *found], hit.article.id, story)
                if entry.others:
                    out[hit.article.id] = entry.others
        return out

    async def article(self, article_id: int) -> StoredArticle | None:
        """One article for the whole-article button."""
        return await self._store.get_article(article_id)

    async def inline(self, raw: str) -> list[StoredArticle]:
        """Up to INLINE_LIMIT articles for inline mode; the newest for an empty query."""
        query = clean_query(raw)[:MAX_QUERY_CHARS]
        if not search_tokens(query):
            return await self._store.latest_articles(limit=INLINE_LIMIT)
        result = await self._store.search(query, limit=INLINE_LIMIT)
        return [hit.article for hit in result.hits]

    async def suggestions(self, raw: str, *, limit: int = SUGGESTIONS) -> list[Suggestion]:
        """Queries that do find articles, for a query that found none.

        Articles are Chinese, so what is suggested is Chinese: topic names and keywords that
        share characters with the query, topics whose English name or slug matches an English
        query word, and failing those the topics with the most articles. Every suggestion has
        been searched and has hits.
        """
        candidates = self._candidates(clean_query(raw), await self._keywords())
        found: list[Suggestion] = []
        for query, slug in candidates[:_SUGGESTION_TRIES]:
            result = await self._store.search(query, limit=1)
            if result.total > 0:
                found.append(Suggestion(query, result.total, slug))
            if len(found) == limit:
                return found
        if not found:
            found = await self._popular_topics()
        return found[:limit]

    async def _popular_topics(self) -> list[Suggestion]:
        """Topics whose name finds articles, the most first (counted every few minutes)."""
        now = self._clock()
        if self._popular is not None and now - self._popular[0] < _POPULAR_TTL_SECONDS:
            return self._popular[1]
        popular: list[Suggestion] = []
        for topic in self._topics:
            result = await self._store.search(topic.name_zh, limit=1)
            if result.total > 0:
                popular.append(Suggestion(topic.name_zh, result.total, topic.slug))
        popular.sort(key=lambda s: -s.hits)
        if popular:  # an empty store is asked again next time: articles may have come
            self._popular = (now, popular)
        return popular

    async def _keywords(self) -> list[str]:
        """Keywords of the newest articles, most frequent first."""
        counts: Counter[str] = Counter()
        for article in await self._store.latest_articles(limit=50):
            counts.update(article.keywords)
        return [word for word, _ in counts.most_common()]

    def _candidates(self, query: str, keywords: Sequence[str]) -> list[tuple[str, str | None]]:
        """(Chinese query, topic slug or None) pairs, the closest to ``query`` first.

        A topic scores two per character its name or words share with the query and four when
        an English word of the query names it; a keyword one per shared character. Ties keep
        the topic file's order, then the keywords' frequency order.
        """
        chars = {ch for ch in query if ch.isalnum() and not ch.isascii()}
        latin = _LATIN_WORD.findall(query)
        scored: list[tuple[int, int, str, str | None]] = []
        for order, topic in enumerate(self._topics):
            overlap = max(len(chars & set(word)) for word in (topic.name_zh, *topic.words))
            names = (topic.name_en, topic.slug)
            named = any(_latin_stem_match(word, name) for word in latin for name in names)
            score = overlap * 2 + (4 if named else 0)
            if score:
                scored.append((-score, order, topic.name_zh, topic.slug))
        for order, keyword in enumerate(keywords, start=len(self._topics)):
            overlap = len(chars & set(keyword))
            if overlap:
                scored.append((-overlap, order, keyword, None))
        seen: set[str] = set()
        ordered: list[tuple[str, str | None]] = []
        for _, _, word, slug in sorted(scored):
            if word not in seen:
                seen.add(word)
                ordered.append((word, slug))
        return ordered
