"""Subscriptions: what a chat follows: a news category or a topic by slug or name, or any word
as a keyword. A name that is exactly a category's wins over a topic's and over a keyword."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.services.chats import ChatRef, ChatService
from bot.services.search import clean_query
from bot.store.api import Store
from bot.store.records import Subscription, SubscriptionKind
from summaries.model import Topic
from summaries.taxonomy import CATEGORIES, Category
from summaries.tokens import search_tokens

MAX_SUBSCRIPTIONS = 50
MAX_KEYWORD_CHARS = 20

SubscribeStatus = Literal["added", "exists", "limit", "too_long", "no_tokens", "empty"]
UnsubscribeStatus = Literal["removed", "missing", "empty"]


def normalize_subject(raw: str) -> str:
    """Full-width to half-width (NFKC), whitespace collapsed and trimmed, Latin lower-cased."""
    # The same normalization as a search query: a followed word finds what a search finds.
    return clean_query(raw)


def keyword_problem(keyword: str) -> Literal["too_long", "no_tokens"] | None:
    """Why a normalized keyword cannot be subscribed to, or None when it can."""
    if len(keyword) > MAX_KEYWORD_CHARS:
        return "too_long"
    if not search_tokens(keyword):
        return "no_tokens"
    return None


def can_follow(query: str) -> bool:
    """Whether a search query can become a subscription (the subscribe-to-this-word button)."""
    subject = normalize_subject(query)
    return bool(subject) and keyword_problem(subject) is None


@dataclass(frozen=True)
class Target:
    """A resolved subscription subject: a category or topic slug, or a keyword (normalized)."""

    kind: SubscriptionKind
    value: str


@dataclass(frozen=True)
class Chosen:
    """The category and topic slugs a chat follows (the /topics keyboard's ✅)."""

    categories: frozenset[str]
    topics: frozenset[str]


@dataclass(frozen=True)
class SubscribeOutcome:
    """What /subscribe did."""

    status: SubscribeStatus
    target: Target | None = None


@dataclass(frozen=True)
class UnsubscribeOutcome:
    """What /unsubscribe did."""

    status: UnsubscribeStatus
    target: Target | None = None


class SubscriptionService:
    """Resolves subjects to categories, topics or keywords and keeps each chat's
    subscriptions."""

    def __init__(
        self,
        store: Store,
        chats: ChatService,
        topics: Sequence[Topic],
        categories: Sequence[Category] = CATEGORIES,
    ):
        self._store = store
        self._chats = chats
        self.topics = tuple(topics)
        self.categories = tuple(categories)
        self._by_key: dict[str, Target] = {}
        # Slugs and names only: the training corpora's aliases (股票, 民生...) stay keywords,
        # as a reader who follows 股票 wants that word, not all of 财经.
        for category in self.categories:
            for key in (category.slug, category.name_zh, category.name_en):
                self._by_key.setdefault(normalize_subject(key), Target("category", category.slug))
        self._topic_by_key: dict[str, Target] = {}
        for topic in self.topics:
            for key in (topic.slug, topic.name_zh, topic.name_en):
                self._topic_by_key.setdefault(normalize_subject(key), Target("topic", topic.slug))

    def topic(self, slug: str) -> Topic | None:
        """The topic with this slug."""
        return next((t for t in self.topics if t.slug == slug), None)

    def category(self, slug: str) -> Category | None:
        """The category with this slug."""
        return next((c for c in self.categories if c.slug == slug), None)

    def _targets(self, raw: str) -> list[Target]:
        """What the text may name, strongest first: a category, a topic, then the keyword."""
        subject = normalize_subject(raw)
        if not subject:
            return []
        named = [self._by_key.get(subject), self._topic_by_key.get(subject)]
        return [t for t in named if t is not None] + [Target("keyword", subject)]

    def resolve(self, raw: str) -> Target | None:
        """A category for its slug or name, else a topic for its slug or name, else the
        normalized text as a keyword; None if empty."""
        targets = self._targets(raw)
        return targets[0] if targets else None

    async def subscribe(self, chat: ChatRef, raw: str) -> SubscribeOutcome:
        """Subscribe the chat to a topic or keyword, within the limits."""
        target = self.resolve(raw)
        if target is None:
            return SubscribeOutcome("empty")
        problem = keyword_problem(target.value) if target.kind == "keyword" else None
        if problem is not None:
            return SubscribeOutcome(problem, target)
        await self._chats.ensure(chat)
        outcome = await self._store.add_subscription(
            chat.id, target.kind, target.value, max_per_chat=MAX_SUBSCRIPTIONS
        )
        return SubscribeOutcome(outcome, target)

    async def unsubscribe(self, chat: ChatRef, raw: str) -> UnsubscribeOutcome:
        """Remove the category, topic or keyword subscription the text names.

        A name that is a category's and a topic's (教育) removes whichever the chat follows,
        the category first.
        """
        targets = self._targets(raw)
        if not targets:
            return UnsubscribeOutcome("empty")
        await self._chats.ensure(chat)
        for target in targets:
            if await self._store.remove_subscription(chat.id, target.kind, target.value):
                return UnsubscribeOutcome("removed", target)
        return UnsubscribeOutcome("missing", targets[0])

    async def list(self, chat: ChatRef) -> list[Subscription]:
        """The chat's subscriptions: categories, topics, then keywords."""
        await self._chats.ensure(chat)
        return await self._store.list_subscriptions(chat.id)

    async def subscribed_topics(self, chat: ChatRef) -> set[str]:
        """Slugs of the topics the chat follows."""
        return {s.value for s in await self.list(chat) if s.kind == "topic"}

    async def chosen(self, chat: ChatRef) -> Chosen:
        """The categories and topics the chat follows."""
        subscriptions = await self.list(chat)
        return Chosen(
            categories=frozenset(s.value for s in subscriptions if s.kind == "category"),
            topics=frozenset(s.value for s in subscriptions if s.kind == "topic"),
        )

    async def toggle_topic(self, chat: ChatRef, slug: str) -> SubscribeOutcome | None:
        """Subscribe if not yet subscribed, else unsubscribe; None for an unknown slug.

        The outcome is "added", "exists" (meaning: it was there and is now removed) or "limit".
        """
        if self.topic(slug) is None:
            return None
        return await self._toggle(chat, Target("topic", slug))

    async def toggle_category(self, chat: ChatRef, slug: str) -> SubscribeOutcome | None:
        """As ``toggle_topic``, for a news category."""
        if self.category(slug) is None:
            return None
        return await self._toggle(chat, Target("category", slug))

    async def _toggle(self, chat: ChatRef, target: Target) -> SubscribeOutcome:
        await self._chats.ensure(chat)
        if await self._store.remove_subscription(chat.id, target.kind, target.value):
            return SubscribeOutcome("exists", target)
        outcome = await self._store.add_subscription(
            chat.id, target.kind, target.value, max_per_chat=MAX_SUBSCRIPTIONS
        )
        return SubscribeOutcome(outcome, target)

    async def remove(self, chat: ChatRef, kind: str, value: str) -> Subscription | None:
        """Remove one of the chat's subscriptions; None when the chat has no such one."""
        for subscription in await self.list(chat):
            if (subscription.kind, subscription.value) == (kind, value):
                await self._store.remove_subscription(chat.id, subscription.kind, value)
                return subscription
        return None
