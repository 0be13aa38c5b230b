"""The digest on demand (/digest): what the daily push would send this chat now."""

from __future__ import annotations

from bot.services.chats import ChatRef, ChatService
from bot.store.api import Store
from bot.store.records import StoredArticle


class DigestService:
    """Builds a preview of a chat's digest; it records no delivery, so the push is unchanged."""

    def __init__(self, store: Store, chats: ChatService, *, max_articles: int):
        self._store = store
        self._chats = chats
        self._max_articles = max_articles

    async def preview(self, chat: ChatRef) -> list[StoredArticle]:
        """Newest articles matching the chat's subscriptions that it has not been sent."""
        await self._chats.ensure(chat)
        return await self._store.articles_for_chat(chat.id, limit=self._max_articles)
