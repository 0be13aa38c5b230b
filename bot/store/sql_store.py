"""SqlStore: the Store protocol (bot.store.api) over one SQLAlchemy async engine."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store import articles as article_queries
from bot.store import categories as category_queries
from bot.store import chats as chat_queries
from bot.store import digest_batch
from bot.store import reindex as reindex_queries
from bot.store import search as search_queries
from bot.store import stories as story_queries
from bot.store.deliveries import DeliveryLog
from bot.store.engine import WRITE_OPTION
from bot.store.feeds import FeedStore
from bot.store.fulltext import Analyzer
from bot.store.records import (
    AddedSubscriptions,
    AddResult,
    AddSubscriptionOutcome,
    ArticleCategory,
    ArticleLead,
    ChatRecord,
    NewArticle,
    SearchResult,
    StoredArticle,
    StoredSignature,
    StoreStats,
    StoriesOf,
    StoryAssignment,
    StoryRecord,
    Subscription,
    SubscriptionKind,
)
from bot.store.rows import time_text
from bot.store.schema import articles
from bot.store.targets import TargetStore


def _now() -> datetime:
    return datetime.now(UTC)


class SqlStore:
    """Articles, search, chats, subscriptions, deliveries and feeds on SQLite or PostgreSQL.

    ``analyzer`` tokenizes queries and keyword subscriptions; articles bring their own tokens.
    """

    def __init__(self, engine: AsyncEngine, *, analyzer: Analyzer) -> None:
        self.engine = engine
        self.backend = engine.dialect.name  # "sqlite" or "postgresql"
        self.analyzer = analyzer
        self.deliveries = DeliveryLog(engine)
        self.feeds = FeedStore(engine)
        self.targets = TargetStore(engine)

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn, conn.begin():
            yield conn

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            await conn.execution_options(**{WRITE_OPTION: True})
            async with conn.begin():
                yield conn

    async def close(self) -> None:
        """Dispose of the engine and its connections."""
        await self.engine.dispose()

    # -- articles -----------------------------------------------------------------------
    async def add_articles(
        self, articles: Sequence[NewArticle], *, stories: StoriesOf | None = None
    ) -> AddResult:
        """Store articles in one transaction; duplicates (content hash or url) are skipped.

        ``stories`` is given the new ids (None for a duplicate) and a reader of the stories
        other writers committed, and answers the stories the new articles join, which are
        stored in the same transaction: no reader sees an article without its story. The
        transaction holds the story lock from before the insert: two writers storing reports
        of one event at once put them in one story."""
        if not articles:
            return AddResult(added=(), duplicates=0)
        async with self._write() as conn:
            if stories is not None:
                await story_queries.lock_story_assignment(conn, self.backend)
            result = await article_queries.add_articles(conn, self.backend, articles, now=_now())
            if stories is not None:

                async def grouped_after(after: int) -> list[StoredSignature]:
                    return await story_queries.story_signatures(conn, after=after, grouped=True)

                assignments = await stories(result.ids, grouped_after)
                await story_queries.assign_stories(conn, self.backend, assignments)
            return result

    async def get_article(self, article_id: int) -> StoredArticle | None:
        """One article by id."""
        async with self._read() as conn:
            return await article_queries.get_article(conn, article_id)

    async def latest_articles(self, *, limit: int, offset: int = 0) -> list[StoredArticle]:
        """Newest first (published_at, else ingested_at)."""
        async with self._read() as conn:
            return await article_queries.latest_articles(conn, limit=limit, offset=offset)

    async def has_url(self, url: str) -> bool:
        """Whether an article with this url is stored."""
        async with self._read() as conn:
            found = await conn.execute(sa.select(articles.c.id).where(articles.c.url == url))
            return found.first() is not None

    async def stored_urls(self, urls: Sequence[str]) -> set[str]:
        """Those of ``urls`` that an article is stored with, in one query (a few hundred at
        most: each URL is a bound parameter)."""
        if not urls:
            return set()
        async with self._read() as conn:
            found = await conn.execute(sa.select(articles.c.url).where(articles.c.url.in_(urls)))
            return {url for (url,) in found}

    async def has_content(self, content_hash: str) -> bool:
        """Whether an article with this content hash is stored."""
        async with self._read() as conn:
            stmt = sa.select(articles.c.id).where(articles.c.content_hash == content_hash)
            return (await conn.execute(stmt)).first() is not None

    async def fingerprints(self, *, after: int = 0) -> list[tuple[int, int]]:
        """(article id, fingerprint) of every article with an id above ``after`` that has one."""
        stmt = (
            sa.select(articles.c.id, articles.c.fingerprint)
            .where(articles.c.fingerprint.is_not(None), articles.c.id > after)
            .order_by(articles.c.id)
        )
        async with self._read() as conn:
            return [(row.id, row.fingerprint) for row in await conn.execute(stmt)]

    async def count_articles(self) -> int:
        """How many articles are stored."""
        async with self._read() as conn:
            stmt = sa.select(sa.func.count()).select_from(articles)
            return int((await conn.execute(stmt)).scalar_one())

    async def search(self, query: str, *, limit: int = 5, offset: int = 0) -> SearchResult:
        """Full-text search (see bot.store.fulltext for the matching rule)."""
        async with self._read() as conn:
            return await search_queries.search(
                conn, self.backend, self.analyzer, query, limit=limit, offset=offset
            )

    # -- stories (bot.store.stories) -----------------------------------------------------
    async def assign_stories(self, assignments: Sequence[StoryAssignment]) -> None:
        """Put articles in their stories and write the touched story rows, in one transaction."""
        if not assignments:
            return
        async with self._write() as conn:
            await story_queries.assign_stories(conn, self.backend, assignments)

    async def story_signatures(
        self, *, since: datetime | None = None, after: int = 0
    ) -> list[StoredSignature]:
        """Stored story signatures (id above ``after``, sorted at or after ``since``), by id."""
        async with self._read() as conn:
            return await story_queries.story_signatures(conn, since=since, after=after)

    async def get_stories(self, story_ids: Sequence[int]) -> dict[int, StoryRecord]:
        """The story rows with these ids."""
        async with self._read() as conn:
            return await story_queries.get_stories(conn, story_ids)

    async def story_members(self, story_ids: Sequence[int]) -> dict[int, list[StoredArticle]]:
        """Every article of each story, oldest first."""
        async with self._read() as conn:
            return await story_queries.story_members(conn, story_ids)

    async def sent_stories(
        self, chat_ids: Sequence[int], story_ids: Sequence[int]
    ) -> dict[int, set[int]]:
        """Which of ``story_ids`` each chat already received an article of."""
        async with self._read() as conn:
            return await story_queries.sent_stories(conn, self.backend, chat_ids, story_ids)

    async def sent_story_sources(
        self, chat_ids: Sequence[int], story_ids: Sequence[int]
    ) -> dict[int, dict[int, set[str]]]:
        """For each chat, the sources of each story it already received an article from."""
        async with self._read() as conn:
            return await story_queries.sent_story_sources(conn, self.backend, chat_ids, story_ids)

    async def excluded_among(
        self, chat_ids: Sequence[int], article_ids: Sequence[int]
    ) -> dict[int, set[int]]:
        """For each chat with excluded words, which of ``article_ids`` hold one of them."""
        async with self._read() as conn:
            return await article_queries.excluded_among(
                conn, self.backend, self.analyzer, chat_ids, article_ids
            )

    # -- the index's record and rebuild (bot.store.reindex) --------------------------------
    async def index_meta(self) -> dict[str, str]:
        """What built the full-text index (``tokenizer``, ``dictionary``); empty if unknown."""
        async with self._read() as conn:
            return await reindex_queries.read_meta(conn)

    async def set_index_meta(self, values: Mapping[str, str]) -> None:
        """Record what built the full-text index."""
        async with self._write() as conn:
            await reindex_queries.write_meta(conn, self.backend, values)

    async def reindex(
        self,
        index: reindex_queries.IndexBatch,
        *,
        meta: Mapping[str, str],
        batch: int = 500,
        progress: reindex_queries.Progress | None = None,
    ) -> int:
        """Rebuild every article's index tokens and fingerprint with ``index``, in batches of
        ``batch`` articles, then record ``meta``; the number of articles reindexed."""
        total = await self.count_articles()
        reindexer = reindex_queries.Reindexer(
            self.backend, self._write, index, batch=batch, progress=progress
        )
        return await reindexer.run(total, meta)

    # -- categories ---------------------------------------------------------------------
    async def article_leads(
        self, *, after: int = 0, limit: int = 500, chars: int = 1000, uncategorized: bool = False
    ) -> list[ArticleLead]:
        """Title and body start of articles with an id above ``after``, in id order."""
        async with self._read() as conn:
            return await category_queries.article_leads(
                conn, after=after, limit=limit, chars=chars, uncategorized=uncategorized
            )

    async def count_uncategorized(self) -> int:
        """How many articles have no category yet."""
        async with self._read() as conn:
            return await category_queries.count_uncategorized(conn)

    async def set_categories(self, tags: Sequence[ArticleCategory]) -> None:
        """Write the articles' categories in one transaction."""
        async with self._write() as conn:
            await category_queries.set_categories(conn, tags)

    async def get_meta(self, key: str) -> str | None:
        """A fact about the store (store_meta), or None."""
        async with self._read() as conn:
            return await category_queries.get_meta(conn, key)

    async def set_meta(self, key: str, value: str) -> None:
        """Record a fact about the store (store_meta)."""
        async with self._write() as conn:
            await category_queries.set_meta(conn, self.backend, key, value)

    # -- chats --------------------------------------------------------------------------
    async def ensure_chat(
        self,
        chat_id: int,
        *,
        type: str,
        language: str,
        timezone: str,
        digest_time: time,
    ) -> ChatRecord:
        """The chat, created if new; a blocked chat that writes again is unblocked."""
        values = {
            "type": type,
            "language": language,
            "timezone": timezone,
            "digest_time": time_text(digest_time),
        }
        async with self._write() as conn:
            return await chat_queries.ensure_chat(
                conn, self.backend, chat_id, values=values, now=_now()
            )

    async def get_chat(self, chat_id: int) -> ChatRecord | None:
        """One chat by id."""
        async with self._read() as conn:
            return await chat_queries.get_chat(conn, chat_id)

    async def update_chat(
        self,
        chat_id: int,
        *,
        language: str | None = None,
        timezone: str | None = None,
        digest_time: time | None = None,
        paused: bool | None = None,
        story_updates: bool | None = None,
    ) -> ChatRecord:
        """Change a chat's settings; raises UnknownChatError (a LookupError) if not stored."""
        async with self._write() as conn:
            return await chat_queries.update_chat(
                conn,
                chat_id,
                language=language,
                timezone=timezone,
                digest_time=digest_time,
                paused=paused,
                story_updates=story_updates,
            )

    async def set_digest_times(self, chat_id: int, times: Sequence[time]) -> ChatRecord:
        """Replace a chat's digest times (ascending, distinct, 1 to MAX_DIGEST_TIMES; else
        ValueError, nothing changed); UnknownChatError (a LookupError) if not stored."""
        async with self._write() as conn:
            return await chat_queries.set_digest_times(conn, chat_id, times)

    async def mark_blocked(self, chat_id: int, *, at: datetime) -> None:
        """The bot was blocked or removed: stop pushing, keep the subscriptions."""
        async with self._write() as conn:
            await chat_queries.mark_blocked(conn, chat_id, at=at)

    async def migrate_chat(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: move the chat, its subscriptions and deliveries."""
        async with self._write() as conn:
            await chat_queries.migrate_chat(conn, self.backend, old_id, new_id)

    # -- subscriptions ------------------------------------------------------------------
    async def add_subscription(
        self, chat_id: int, kind: SubscriptionKind, value: str, *, max_per_chat: int = 50
    ) -> AddSubscriptionOutcome:
        """Subscribe; 'exists' when already subscribed, 'limit' at max_per_chat."""
        async with self._write() as conn:
            return await chat_queries.add_subscription(
                conn, self.backend, chat_id, kind, value, max_per_chat=max_per_chat, now=_now()
            )

    async def add_subscriptions(
        self, chat_id: int, kind: SubscriptionKind, values: Sequence[str], *, max_per_chat: int
    ) -> AddedSubscriptions:
        """Add several values of one kind in one transaction: every new one, or none when they
        would pass ``max_per_chat``."""
        async with self._write() as conn:
            return await chat_queries.add_subscriptions(
                conn, self.backend, chat_id, kind, values, max_per_chat=max_per_chat, now=_now()
            )

    async def remove_subscriptions(
        self, chat_id: int, kind: SubscriptionKind, values: Sequence[str]
    ) -> tuple[str, ...]:
        """Remove several values of one kind in one transaction; those that were there."""
        async with self._write() as conn:
            return await chat_queries.remove_subscriptions(conn, chat_id, kind, values)

    async def remove_subscription(self, chat_id: int, kind: SubscriptionKind, value: str) -> bool:
        """Unsubscribe; False when there was no such subscription."""
        async with self._write() as conn:
            return await chat_queries.remove_subscription(conn, chat_id, kind, value)

    async def list_subscriptions(self, chat_id: int) -> list[Subscription]:
        """A chat's subscriptions: categories, topics, then keywords, each in the order added."""
        async with self._read() as conn:
            return await chat_queries.list_subscriptions(conn, chat_id)

    async def articles_for_chat(
        self, chat_id: int, *, limit: int = 10, since: datetime | None = None
    ) -> list[StoredArticle]:
        """Newest articles matching the chat's categories, topics or keywords that no sent
        delivery of this chat contained; ``since`` bounds published_at (else ingested_at)
        from below."""
        async with self._read() as conn:
            return await article_queries.articles_for_chat(
                conn, self.backend, self.analyzer, chat_id, limit=limit, since=since
            )

    async def articles_for_chats(
        self, chat_ids: Sequence[int], *, limit: int, first_window: int = digest_batch.FIRST_WINDOW
    ) -> dict[int, list[StoredArticle]]:
        """``articles_for_chat`` (no ``since``) for a whole batch of chats, in a few queries."""
        async with self._read() as conn:
            return await digest_batch.articles_for_chats(
                conn,
                self.backend,
                chat_ids,
                limit=limit,
                analyzer=self.analyzer,
                first_window=first_window,
            )

    async def stats(self, *, today: date) -> StoreStats:
        """Counts for /stats."""
        async with self._read() as conn:
            return await chat_queries.stats(conn, today=today)
