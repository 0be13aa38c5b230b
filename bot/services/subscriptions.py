"""Subscriptions: what a chat follows, a topic by slug or name, or any word as a keyword."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.services.chats import ChatRef, ChatService
from bot.services.search import clean_query
from bot.store.api import Store
from bot.store.records import Subscription, SubscriptionKind
from summaries.model import Topic
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
    """A resolved subscription subject: a topic slug or a keyword (normalized)."""

    kind: SubscriptionKind
    value: str


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
    """Resolves subjects to topics or keywords and keeps each chat's subscriptions."""

    def __init__(self, store: Store, chats: ChatService, topics: Sequence[Topic]):
        self._store = store
        self._chats = chats
        self.topics = tuple(topics)
        self._by_key: dict[str, Topic] = {}
        for topic in self.topics:
            for key in (topic.slug, topic.name_zh, topic.name_en):
                self._by_key.setdefault(normalize_subject(key), topic)

    def topic(self, slug: str) -> Topic | None:
        """The topic with this slug."""
        return next((t for t in self.topics if t.slug == slug), None)

    def resolve(self, raw: str) -> Target | None:
        """A topic for a slug or name, else the normalized text as a keyword; None if empty."""
        subject = normalize_subject(raw)
        if not subject:
            return None
        topic = self._by_key.get(subject)
        if topic is not None:
            return Target("topic", topic.slug)
        return Target("keyword", subject)

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
        """Remove a topic or keyword subscription."""
        target = self.resolve(raw)
        if target is None:
            return UnsubscribeOutcome("empty")
        await self._chats.ensure(chat)
        removed = await self._store.remove_subscription(chat.id, target.kind, target.value)
        return UnsubscribeOutcome("removed" if removed else "missing", target)

    async def list(self, chat: ChatRef) -> list[Subscription]:
        """The chat's subscriptions, topics first."""
        await self._chats.ensure(chat)
        return await self._store.list_subscriptions(chat.id)

    async def subscribed_topics(self, chat: ChatRef) -> set[str]:
        """Slugs of the topics the chat follows."""
        return {s.value for s in await self.list(chat) if s.kind == "topic"}

    async def toggle_topic(self, chat: ChatRef, slug: str) -> SubscribeOutcome | None:
        """Subscribe if not yet subscribed, else unsubscribe; None for an unknown slug.

        The outcome is "added", "exists" (meaning: it was there and is now removed) or "limit".
        """
        topic = self.topic(slug)
        if topic is None:
            return None
        await self._chats.ensure(chat)
        target = Target("topic", slug)
        if await self._store.remove_subscription(chat.id, "topic", slug):
            return SubscribeOutcome("exists", target)
        outcome = await self._store.add_subscription(
            chat.id, "topic", slug, max_per_chat=MAX_SUBSCRIPTIONS
        )
        return SubscribeOutcome(outcome, target)

    async def remove(self, chat: ChatRef, kind: str, value: str) -> Subscription | None:
        """Remove one of the chat's subscriptions; None when the chat has no such one."""
        for subscription in await self.list(chat):
            if (subscription.kind, subscription.value) == (kind, value):
                await self._store.remove_subscription(chat.id, subscription.kind, value)
                return subscription
        return None
