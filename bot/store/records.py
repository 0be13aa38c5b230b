"""Plain records that cross the store's boundary. Services and handlers see these, never rows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Final, Literal

ChatType = Literal["private", "group", "supergroup", "channel"]
# "exclude" is a word the chat never wants to see: an article holding it is left out of the
# chat's digest whatever else it matches (see bot.store.articles.exclusion_filter).
SubscriptionKind = Literal["category", "topic", "keyword", "feed", "exclude"]
DeliveryStatus = Literal["claimed", "sent", "failed", "nothing_new"]
AddSubscriptionOutcome = Literal["added", "exists", "limit"]
# How a keyword subscription's value joins required words: "新能源 + 电池" matches an article
# only when both words occur.
REQUIRED_SEPARATOR: Final = " + "

# Digest times a chat may have in one day (its slots: 0 is ChatRecord.digest_time).
MAX_DIGEST_TIMES = 4


@dataclass(frozen=True)
class NewArticle:
    """An article ready to store: text, what the summarizer said about it, and its index tokens.

    ``title_tokens`` and ``body_tokens`` are what the full-text index holds (the ingest pipeline
    makes them); the store indexes them as given and never tokenizes an article itself.
    """

    title: str
    body: str
    digest: tuple[str, ...]
    keywords: tuple[str, ...]
    topics: tuple[str, ...]
    source: str
    content_hash: str
    subtitle: str = ""
    authors: tuple[str, ...] = ()
    kind: str = "article"
    url: str | None = None
    published_at: datetime | None = None
    # 64-bit SimHash over jieba tokens (signed, to fit BIGINT), for near-duplicate checks.
    fingerprint: int | None = None
    # The news category's slug, the model's confidence, and a close second category's slug.
    category: str | None = None
    category_confidence: float | None = None
    category_second: str | None = None
    # The registered feed the article came from (its URL as registered, rsshub:// included);
    # the store records that feed's id, so chats following the feed get the article.
    feed_url: str | None = None
    # The JSON text of the article's story signature (summaries.story_signature), made by the
    # pipeline; the writer groups articles into stories with it and the store keeps it as is.
    story_signature: str | None = None
    title_tokens: Sequence[str] = field(kw_only=True)
    body_tokens: Sequence[str] = field(kw_only=True)


@dataclass(frozen=True)
class StoredArticle:
    """An article as the store keeps it."""

    id: int
    title: str
    body: str
    digest: tuple[str, ...]
    keywords: tuple[str, ...]
    topics: tuple[str, ...]
    source: str
    content_hash: str
    subtitle: str
    authors: tuple[str, ...]
    kind: str
    url: str | None
    published_at: datetime | None
    ingested_at: datetime
    fingerprint: int | None = None
    category: str | None = None
    category_confidence: float | None = None
    category_second: str | None = None
    feed_id: int | None = None
    story_id: int | None = None  # None: stored before stories, or not grouped yet


@dataclass(frozen=True)
class StoryAssignment:
    """An article put in a story, and the story's representative after it joined."""

    article_id: int
    story_id: int
    representative_id: int


@dataclass(frozen=True)
class StoredSignature:
    """A stored article's story signature (JSON text) and the story it is in, if any."""

    article_id: int
    signature: str
    story_id: int | None


# The stories other writers have committed: the grouped articles' signatures with an id above
# the given one, read inside the insert's transaction once it holds the story lock.
GroupedAfter = Callable[[int], Awaitable[Sequence[StoredSignature]]]
# Given the ids an insert gave its articles (None for a duplicate) and that reader, the stories
# they join: the writer's story index answers it inside the insert's transaction, after taking
# in what the reader returns (SqlStore.add_articles).
StoriesOf = Callable[[Sequence[int | None], GroupedAfter], Awaitable[Sequence[StoryAssignment]]]


@dataclass(frozen=True)
class StoryRecord:
    """A stored story: its representative article, size, distinct sources and times seen."""

    id: int
    representative_id: int
    size: int
    sources: int
    first_seen_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True)
class ArticleLead:
    """What the category model reads of a stored article: its title and the start of its body."""

    id: int
    title: str
    lead: str


@dataclass(frozen=True)
class ArticleCategory:
    """A stored article's news category (slugs), as the category model gave it."""

    article_id: int
    category: str
    confidence: float
    second: str | None = None


@dataclass(frozen=True)
class AddResult:
    """What one add_articles call did: ids of new rows, and how many were already there.

    ``ids`` has one entry per article given, in order: its new id, or None for a duplicate.
    """

    added: tuple[int, ...]
    duplicates: int
    ids: tuple[int | None, ...] = ()


@dataclass(frozen=True)
class ChatRecord:
    """A chat the bot talks to, with its push settings."""

    id: int
    type: str
    language: str
    timezone: str
    digest_time: time
    paused: bool
    blocked_at: datetime | None
    created_at: datetime
    # Where the digest goes (see bot.store.targets): a forum topic's row has a synthetic id
    # and names its group in ``telegram_id``; NULL means the row's own id.
    telegram_id: int | None = None
    thread_id: int | None = None
    title: str | None = None
    rights_lost_at: datetime | None = None
    # The later digest times of the day, ascending (slots 1..); empty for one digest a day.
    later_times: tuple[time, ...] = ()
    # A story already received comes again, as an update, when new sources join it.
    story_updates: bool = False

    @property
    def digest_times(self) -> tuple[time, ...]:
        """Every digest time of the day, ascending: slot n is the n-th."""
        return (self.digest_time, *self.later_times)

    @property
    def active(self) -> bool:
        """Not paused, not blocked, and the bot may still post there."""
        return not self.paused and self.blocked_at is None and self.rights_lost_at is None

    @property
    def send_to(self) -> int:
        """The Telegram chat id the digest is sent to."""
        return self.telegram_id if self.telegram_id is not None else self.id


@dataclass(frozen=True)
class Subscription:
    """One category, topic, keyword or feed a chat follows, or a word it excludes."""

    chat_id: int
    kind: SubscriptionKind
    value: str


@dataclass(frozen=True)
class AddedSubscriptions:
    """What one add_subscriptions call did: all of it, or nothing when over the limit.

    ``added`` are the values newly stored, ``existing`` those the chat already had; with
    ``over_limit`` nothing was stored and ``room`` says how many more would have fitted.
    """

    added: tuple[str, ...] = ()
    existing: tuple[str, ...] = ()
    over_limit: bool = False
    room: int = 0


@dataclass(frozen=True)
class SearchHit:
    """One article matching a query, with the passage that matched.

    ``highlights`` are (start, end) character offsets into ``snippet`` of matched words, so a
    renderer can mark them after escaping the text.
    """

    article: StoredArticle
    score: float
    snippet: str
    highlights: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class SearchResult:
    """A page of hits; ``reason`` says why there are none when the query had nothing usable.

    ``total`` counts every match (an estimate when ``total_is_estimate``); ``ranked`` is how
    many of them were ranked, which is as far as paging goes (see bot/store/search.py).
    """

    hits: tuple[SearchHit, ...]
    tokens: tuple[str, ...]
    total: int = 0
    reason: Literal["empty_query", "no_tokens"] | None = None
    ranked: int = 0
    total_is_estimate: bool = False


@dataclass(frozen=True)
class Delivery:
    """One chat's digest for one local date and slot (0: its first digest time)."""

    id: int
    chat_id: int
    local_date: date
    status: DeliveryStatus
    article_ids: tuple[int, ...]
    message_ids: tuple[int, ...]
    attempts: int
    claimed_at: datetime | None
    sent_at: datetime | None
    error: str | None = None
    slot: int = 0


@dataclass(frozen=True)
class StoreStats:
    """Counts for the admin /stats command."""

    chats: int
    active_chats: int
    articles: int
    subscriptions_by_topic: dict[str, int] = field(default_factory=dict)
    subscriptions_by_category: dict[str, int] = field(default_factory=dict)
    keyword_subscriptions: int = 0
    deliveries_today: int = 0


@dataclass(frozen=True)
class IndexSource:
    """What an article's index is rebuilt from: its id, title and body."""

    id: int
    title: str
    body: str


@dataclass(frozen=True)
class ArticleIndex:
    """An article's rebuilt index: its search tokens and near-duplicate fingerprint."""

    id: int
    title_tokens: tuple[str, ...]
    body_tokens: tuple[str, ...]
    fingerprint: int | None
