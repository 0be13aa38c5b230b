"""Search: pages of matching articles, suggestions when nothing matches, inline answers."""

from __future__ import annotations

import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.callbacks import fits, key_digest
from bot.i18n import topic_name
from bot.store.api import Store
from bot.store.records import SearchResult, StoredArticle
from summaries.model import Topic
from summaries.tokens import search_tokens

PAGE_SIZE = 5
INLINE_LIMIT = 20
MAX_QUERY_CHARS = 100
_MEMO_SIZE = 10_000


@dataclass(frozen=True)
class SearchPage:
    """One page of a search, with what is needed to render it and its buttons."""

    query: str
    page: int
    result: SearchResult
    page_size: int = PAGE_SIZE

    @property
    def first(self) -> int:
        """1-based position of the first hit on this page."""
        return self.page * self.page_size + 1

    @property
    def has_next(self) -> bool:
        """Whether another page follows."""
        return self.result.ranked > (self.page + 1) * self.page_size


class QueryMemo:
    """Queries too long for callback data, remembered under a short reference.

    Buttons carry ``~<digest>``; a restarted bot (or another webhook worker) no longer knows
    the reference, and the button then answers that the search expired.
    """

    def __init__(self, size: int = _MEMO_SIZE):
        self._size = size
        self._queries: OrderedDict[str, str] = OrderedDict()

    def reference(self, query: str, *fields: str) -> str:
        """The query itself when it fits next to ``fields`` in callback data, else ``~digest``."""
        if "|" not in query and not query.startswith("~") and fits(*fields, query):
            return query
        ref = "~" + key_digest(query)
        self._queries[ref] = query
        self._queries.move_to_end(ref)
        while len(self._queries) > self._size:
            self._queries.popitem(last=False)
        return ref

    def recall(self, ref: str) -> str | None:
        """The query a button refers to, None when it has been forgotten."""
        return self._queries.get(ref) if ref.startswith("~") else ref


def clean_query(raw: str) -> str:
    """The query as searched: NFKC, whitespace collapsed, trimmed."""
    return " ".join(unicodedata.normalize("NFKC", raw).split())


class SearchService:
    """Full-text search over the store, with paging and suggestions."""

    def __init__(self, store: Store, topics: Sequence[Topic]):
        self._store = store
        self._topics = tuple(topics)
        self.memo = QueryMemo()

    async def search(self, raw: str, *, page: int = 0) -> SearchPage:
        """One page (PAGE_SIZE hits) of articles for ``raw``, best first."""
        query = clean_query(raw)
        result = await self._store.search(query, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
        return SearchPage(query, page, result)

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

    async def suggestions(self, raw: str, *, language: str, limit: int = 5) -> list[str]:
        """Topics and keywords close to a query that found nothing (sharing characters)."""
        chars = {ch for ch in clean_query(raw).lower() if ch.isalnum()}
        scored: Counter[str] = Counter()
        for topic in self._topics:
            name = topic_name(topic, language)
            overlap = max(len(chars & set(w.lower())) for w in (topic.name_zh, *topic.words))
            if overlap:
                scored[name] += overlap * 2
        for article in await self._store.latest_articles(limit=50):
            for keyword in article.keywords:
                overlap = len(chars & set(keyword.lower()))
                if overlap:
                    scored[keyword] += overlap
        if not scored:
            return [topic_name(t, language) for t in self._topics[:3]]
        return [word for word, _ in scored.most_common(limit)]
