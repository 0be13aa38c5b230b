"""Subscriptions: what a chat follows: a news category or a topic by slug or name, or any word
as a keyword. A name that is exactly a category's wins over a topic's and over a keyword.

A keyword may join required words with '+' (新能源+电池: both must occur), stored as one
subscription whose value joins the words with ``REQUIRED_SEPARATOR``. Excluded words
(/exclude) are subscriptions of kind "exclude": the store leaves every article holding one out
of the chat's digest."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.services.chats import ChatRef, ChatService
from bot.services.search import clean_query
from bot.store.api import Store
from bot.store.records import REQUIRED_SEPARATOR, Subscription, SubscriptionKind
from summaries.model import Topic
from summaries.taxonomy import CATEGORIES, Category
from summaries.tokens import search_tokens

MAX_SUBSCRIPTIONS = 50
MAX_KEYWORD_CHARS = 20
MAX_REQUIRED_WORDS = 5  # words joined by '+' in one keyword subscription
MAX_EXCLUDED_WORDS = 200

SubscribeStatus = Literal[
    "added", "exists", "limit", "too_long", "no_tokens", "empty", "required_bad", "required_many"
]
UnsubscribeStatus = Literal["removed", "missing", "empty"]
ExcludeStatus = Literal["added", "exists", "limit", "too_long", "no_tokens", "empty"]
IncludeStatus = Literal["removed", "missing", "empty"]

# What separates the words of one /exclude or /include (after NFKC, which makes ，and ； ASCII).
_WORD_SEPARATORS = re.compile(r"[\s,;、]+")


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


def split_required(subject: str) -> tuple[str, ...] | None:
    """The parts of a normalized subject that joins words with '+', empty parts kept; None
    when no '+' joins words (there is none, or it belongs to a word such as c++)."""
    if "+" not in subject:
        return None
    if any("+" in token for token in search_tokens(subject)):
        return None
    return tuple(part.strip() for part in subject.split("+"))


def exclusion_words(raw: str) -> list[str]:
    """The distinct normalized words of an /exclude or /include, in the order given."""
    words = _WORD_SEPARATORS.split(normalize_subject(raw))
    return list(dict.fromkeys(word for word in words if word))


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
class ExcludeOutcome:
    """What /exclude did: ``added`` and ``existing`` words, or why nothing was stored
    (``word`` is the refused word; ``room`` how many more the limit allows)."""

    status: ExcludeStatus
    added: tuple[str, ...] = ()
    existing: tuple[str, ...] = ()
    word: str = ""
    room: int = 0


@dataclass(frozen=True)
class IncludeOutcome:
    """What /include did: the words no longer excluded, and those that were not."""

    status: IncludeStatus
    removed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


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
        parts = split_required(subject)
        if parts is not None:
            # Required words are always a keyword; a malformed one names nothing followed.
            joined = REQUIRED_SEPARATOR.join(dict.fromkeys(parts)) if all(parts) else subject
            return [Target("keyword", joined)]
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
        parts = split_required(normalize_subject(raw))
        problem: SubscribeStatus | None = None
        if parts is not None:
            problem, target = _required_problem(parts)
        elif target.kind == "keyword":
            problem = keyword_problem(target.value)
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

    async def exclude(self, chat: ChatRef, raw: str) -> ExcludeOutcome:
        """Exclude every word of ``raw``, or none: a bad word or the limit stores nothing."""
        words = exclusion_words(raw)
        if not words:
            return ExcludeOutcome("empty")
        for word in words:
            problem = keyword_problem(word)
            if problem is not None:
                return ExcludeOutcome(problem, word=word)
        await self._chats.ensure(chat)
        result = await self._store.add_subscriptions(
            chat.id, "exclude", words, max_per_chat=MAX_EXCLUDED_WORDS
        )
        if result.over_limit:
            return ExcludeOutcome("limit", existing=result.existing, room=result.room)
        status: ExcludeStatus = "added" if result.added else "exists"
        return ExcludeOutcome(status, added=result.added, existing=result.existing)

    async def include(self, chat: ChatRef, raw: str) -> IncludeOutcome:
        """Stop excluding the words of ``raw``."""
        words = exclusion_words(raw)
        if not words:
            return IncludeOutcome("empty")
        await self._chats.ensure(chat)
        removed = await self._store.remove_subscriptions(chat.id, "exclude", words)
        missing = tuple(word for word in words if word not in removed)
        return IncludeOutcome("removed" if removed else "missing", removed, missing)

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


def _required_problem(parts: Sequence[str]) -> tuple[SubscribeStatus | None, Target]:
    """Why words joined by '+' cannot be subscribed to (or None), and the keyword they make."""
    words = list(dict.fromkeys(parts))
    target = Target("keyword", REQUIRED_SEPARATOR.join(words))
    if not all(words):
        return "required_bad", Target("keyword", "+".join(parts))  # as the user wrote it
    if len(words) > MAX_REQUIRED_WORDS:
        return "required_many", target
    for word in words:
        problem = keyword_problem(word)
        if problem is not None:
            return problem, Target("keyword", word)
    if len(words) == 1:  # 电池+电池 is just 电池
        return None, Target("keyword", words[0])
    return None, target
