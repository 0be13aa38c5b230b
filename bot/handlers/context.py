"""Typed access from handlers to the services created in post_init."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.handlers.memo import QueryMemo
from bot.i18n import language_for
from bot.services.admin import AdminService
from bot.services.catalogue import CatalogueService
from bot.services.chat_feeds import ChatFeedService
from bot.services.chats import ChatRef, ChatService
from bot.services.digest import DigestService
from bot.services.feeds import FeedService
from bot.services.search import SearchService
from bot.services.subscriptions import SubscriptionService
from bot.services.targets import TargetService
from bot.store.api import Store
from summaries.model import Topic

SERVICES_KEY = "services"


@dataclass
class Services:
    """The long-lived objects of a running bot, kept in ``bot_data``."""

    settings: Settings
    store: Store
    topics: tuple[Topic, ...]
    chats: ChatService
    subscriptions: SubscriptionService
    search: SearchService
    admin: AdminService
    digests: DigestService
    feeds: FeedService
    catalogue: CatalogueService
    chat_feeds: ChatFeedService
    targets: TargetService
    # Search words that buttons refer to (Telegram's callback data holds 64 bytes).
    memo: QueryMemo = field(default_factory=QueryMemo)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with ``context.services``."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ):
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        """The services of this application."""
        services = self.bot_data[SERVICES_KEY]
        assert isinstance(services, Services)
        return services


def chat_ref(update: Update) -> ChatRef:
    """The chat an update came from, with the language of the user who sent it."""
    chat = update.effective_chat
    user = update.effective_user
    language = language_for(user.language_code if user else None)
    if chat is None:
        # Inline queries have no chat; the user's private chat stands in for it.
        return ChatRef(user.id if user else 0, "private", language)
    return ChatRef(chat.id, chat.type, language)


def user_language(update: Update) -> str:
    """The language to answer this update in."""
    user = update.effective_user
    return language_for(user.language_code if user else None)
