"""The digest on demand (/digest): what the daily push would send this chat now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.services.chats import ChatRef, ChatService
from bot.store.api import Store
from bot.store.records import StoredArticle


@dataclass(frozen=True)
class DigestPreview:
    """The articles a push would send now, and the chat's local date (the digest's date)."""

    articles: list[StoredArticle]
    local_date: date


class DigestService:
    """Builds a preview of a chat's digest; it records no delivery, so the push is unchanged."""

    def __init__(self, store: Store, chats: ChatService, *, max_articles: int):
        self._store = store
        self._chats = chats
        self._max_articles = max_articles

    async def preview(self, chat: ChatRef) -> DigestPreview:
        """Newest articles matching the chat's subscriptions that it has not been sent."""
        record = await self._chats.ensure(chat)
        articles = await self._store.articles_for_chat(chat.id, limit=self._max_articles)
        local_date = datetime.now(UTC).astimezone(ZoneInfo(record.timezone)).date()
        return DigestPreview(articles, local_date)
