"""Rows to records and records to rows: the only place that knows the column encodings."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from bot.store.records import ChatRecord, NewArticle, StoredArticle

# One encoder for every list: ``json.dumps`` with an option builds a new one per call, four
# times per article stored.
_ENCODER = json.JSONEncoder(ensure_ascii=False)


def dump_list(values: Sequence[Any]) -> str:
    """A list as the JSON text the list columns hold."""
    return _ENCODER.encode(list(values))


def load_list(text: str | None) -> tuple[Any, ...]:
    """The list a JSON text column holds (empty for NULL)."""
    return tuple(json.loads(text)) if text else ()


def article_values(article: NewArticle, *, now: datetime) -> dict[str, Any]:
    """Parameters of a new article row: its columns' values, and ``feed_url``, which the
    insert (``bot.store.articles``) turns into the feed's id."""
    return {
        "source": article.source,
        "url": article.url,
        "title": article.title,
        "subtitle": article.subtitle,
        "authors": dump_list(article.authors),
        "kind": article.kind,
        "body": article.body,
        "digest": dump_list(article.digest),
        "keywords": dump_list(article.keywords),
        "topics": dump_list(article.topics),
        "published_at": article.published_at,
        "ingested_at": now,
        "sort_at": article.published_at or now,
        "content_hash": article.content_hash,
        "fingerprint": article.fingerprint,
        "category": article.category,
        "category_confidence": article.category_confidence,
        "category_second": article.category_second,
        "story_signature": article.story_signature,
        "feed_url": article.feed_url,
    }


def stored_article(row: Any) -> StoredArticle:
    """A StoredArticle from an articles row."""
    return StoredArticle(
        id=row.id,
        title=row.title,
        body=row.body,
        digest=load_list(row.digest),
        keywords=load_list(row.keywords),
        topics=load_list(row.topics),
        source=row.source,
        content_hash=row.content_hash,
        subtitle=row.subtitle,
        authors=load_list(row.authors),
        kind=row.kind,
        url=row.url,
        published_at=row.published_at,
        ingested_at=row.ingested_at,
        fingerprint=row.fingerprint,
        category=row.category,
        category_confidence=row.category_confidence,
        category_second=row.category_second,
        feed_id=getattr(row, "feed_id", None),
        story_id=getattr(row, "story_id", None),
    )


def time_text(value: time) -> str:
    """A digest time as the 'HH:MM' text the chats table holds."""
    return f"{value.hour:02d}:{value.minute:02d}"


def text_time(value: str) -> time:
    """The time of an 'HH:MM' digest time column."""
    hour, minute = (int(part) for part in value.split(":"))
    return time(hour, minute)


def chat_record(row: Any, later_times: tuple[time, ...] = ()) -> ChatRecord:
    """A ChatRecord from a chats row (and the chat's later digest times, see chat_slots)."""
    return ChatRecord(
        id=row.id,
        type=row.type,
        language=row.language,
        timezone=row.timezone,
        digest_time=text_time(row.digest_time),
        paused=bool(row.paused),
        blocked_at=row.blocked_at,
        created_at=row.created_at,
        telegram_id=row.telegram_id,
        thread_id=row.thread_id,
        title=row.title,
        rights_lost_at=row.rights_lost_at,
        later_times=later_times,
        story_updates=bool(row.story_updates),
    )
