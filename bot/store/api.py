"""The store's interface: what services may ask of it. Nothing outside bot/store writes SQL.

Both backends (SQLite and PostgreSQL, see ``bot.store.open_store``) implement exactly this, and
one contract test suite runs against each. All times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Protocol

from bot.store.deliveries import DeliveryLog
from bot.store.feeds import FeedStore
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
from bot.store.targets import TargetStore


class Store(Protocol):
    """Articles with full-text search, chats, subscriptions and the delivery log."""

    backend: str  # "sqlite" or "postgresql"
    deliveries: DeliveryLog  # the push's delivery log (due chats, claims, sent marks)
    feeds: FeedStore  # the polled feeds, their schedule and health
    targets: TargetStore  # linked channels and groups, their admins, forum topic rows

    async def close(self) -> None:
        """Dispose of the engine and its connections."""

    # -- articles -----------------------------------------------------------------------
    async def add_articles(
        self, articles: Sequence[NewArticle], *, stories: StoriesOf | None = None
    ) -> AddResult:
        """Store articles in one transaction; one already present (same content hash, or same
        url) counts as a duplicate and is skipped. A failure rolls back the whole call.
        ``stories`` answers the stories the new ids join, stored in the same transaction, which
        holds the story lock from before the insert; it reads the stories other writers
        committed through the reader it is given."""

    async def get_article(self, article_id: int) -> StoredArticle | None:
        """One article by id."""

    async def latest_articles(self, *, limit: int, offset: int = 0) -> list[StoredArticle]:
        """Newest first (published_at, else ingested_at)."""

    async def has_url(self, url: str) -> bool:
        """Whether an article with this url is stored."""

    async def stored_urls(self, urls: Sequence[str]) -> set[str]:
        """Those of ``urls`` that an article is stored with, in one query."""

    async def has_content(self, content_hash: str) -> bool:
        """Whether an article with this content hash is stored."""

    async def fingerprints(self, *, after: int = 0) -> list[tuple[int, int]]:
        """(article id, fingerprint) of every article with an id above ``after`` that has one,
        in id order, for near-duplicate checks."""

    async def count_articles(self) -> int:
        """How many articles are stored."""

    async def search(self, query: str, *, limit: int = 5, offset: int = 0) -> SearchResult:
        """Full-text search, the query tokenized by the store's analyzer; user input is safe
        here (never a syntax error)."""

    # -- stories ------------------------------------------------------------------------
    async def assign_stories(self, assignments: Sequence[StoryAssignment]) -> None:
        """Put articles in their stories and write the touched story rows (size, distinct
        sources, first and last seen counted from the articles), in one transaction."""

    async def story_signatures(
        self, *, since: datetime | None = None, after: int = 0
    ) -> list[StoredSignature]:
        """Articles with a stored story signature, an id above ``after`` and sorted at or after
        ``since``, in id order."""

    async def get_stories(self, story_ids: Sequence[int]) -> dict[int, StoryRecord]:
        """The story rows with these ids (missing ones left out)."""

    async def story_members(self, story_ids: Sequence[int]) -> dict[int, list[StoredArticle]]:
        """Every article of each story, oldest first (published, else ingested; then id)."""

    async def sent_stories(
        self, chat_ids: Sequence[int], story_ids: Sequence[int]
    ) -> dict[int, set[int]]:
        """Which of ``story_ids`` each chat already received an article of (sent deliveries)."""

    async def sent_story_sources(
        self, chat_ids: Sequence[int], story_ids: Sequence[int]
    ) -> dict[int, dict[int, set[str]]]:
        """For each chat, the sources of each of ``story_ids`` it already received an article
        from in a sent delivery (stories it received nothing of left out)."""

    async def excluded_among(
        self, chat_ids: Sequence[int], article_ids: Sequence[int]
    ) -> dict[int, set[int]]:
        """For each chat with excluded words, which of ``article_ids`` hold one of them (chats
        without excluded words left out)."""

    # -- categories ---------------------------------------------------------------------
    async def article_leads(
        self, *, after: int = 0, limit: int = 500, chars: int = 1000, uncategorized: bool = False
    ) -> list[ArticleLead]:
        """Title and the first ``chars`` characters of the body of up to ``limit`` articles with
        an id above ``after``, in id order (only those without a category if
        ``uncategorized``): what the category model reads."""

    async def count_uncategorized(self) -> int:
        """How many articles have no category yet."""

    async def set_categories(self, tags: Sequence[ArticleCategory]) -> None:
        """Write the articles' categories in one transaction."""

    async def get_meta(self, key: str) -> str | None:
        """A fact about the store (e.g. the category model version), or None."""

    async def set_meta(self, key: str, value: str) -> None:
        """Record a fact about the store, replacing the old value."""

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
        """The chat, created with these settings if new; a blocked chat that writes again is
        unblocked. Settings of an existing chat are left as they are."""

    async def get_chat(self, chat_id: int) -> ChatRecord | None:
        """One chat by id."""

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
        """Change a chat's settings (None leaves a field as it is)."""

    async def set_digest_times(self, chat_id: int, times: Sequence[time]) -> ChatRecord:
        """Replace a chat's digest times, one digest each a day: ascending, distinct, 1 to
        MAX_DIGEST_TIMES (else ValueError and nothing changes)."""

    async def mark_blocked(self, chat_id: int, *, at: datetime) -> None:
        """The bot was blocked or removed: stop pushing, keep the subscriptions."""

    async def migrate_chat(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: move the chat, its subscriptions and deliveries."""

    # -- subscriptions ------------------------------------------------------------------
    async def add_subscription(
        self, chat_id: int, kind: SubscriptionKind, value: str, *, max_per_chat: int = 50
    ) -> AddSubscriptionOutcome:
        """Subscribe; 'exists' when already subscribed, 'limit' when the chat has max_per_chat."""

    async def add_subscriptions(
        self, chat_id: int, kind: SubscriptionKind, values: Sequence[str], *, max_per_chat: int
    ) -> AddedSubscriptions:
        """Add several values of one kind in one transaction: every new one, or none when they
        would pass ``max_per_chat`` (``over_limit``); the chat's revision moves if any was
        added."""

    async def remove_subscriptions(
        self, chat_id: int, kind: SubscriptionKind, values: Sequence[str]
    ) -> tuple[str, ...]:
        """Remove several values of one kind in one transaction; the values that were there."""

    async def remove_subscription(self, chat_id: int, kind: SubscriptionKind, value: str) -> bool:
        """Unsubscribe; False when there was no such subscription."""

    async def list_subscriptions(self, chat_id: int) -> list[Subscription]:
        """A chat's subscriptions: categories, topics, then keywords, each in the order added."""

    async def articles_for_chat(
        self, chat_id: int, *, limit: int = 10, since: datetime | None = None
    ) -> list[StoredArticle]:
        """Newest articles matching the chat's categories (primary, or a stored second),
        topics or keywords (keywords match on search tokens, as search does) that no sent
        delivery of this chat contained."""

    async def articles_for_chats(
        self, chat_ids: Sequence[int], *, limit: int
    ) -> dict[int, list[StoredArticle]]:
        """``articles_for_chat`` (no ``since``) for each of many chats, in a few queries."""

    async def stats(self, *, today: date) -> StoreStats:
        """Counts for /stats; deliveries_today counts sent deliveries with local_date == today."""
