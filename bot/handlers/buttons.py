"""One entry point for inline buttons: parse the callback data, then hand it to its handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update

from bot import callbacks
from bot.handlers.catalogue import on_catalogue_category, on_catalogue_home, on_catalogue_toggle
from bot.handlers.context import BotContext
from bot.handlers.fallback import on_unusable_button
from bot.handlers.schedule import on_digest_page
from bot.handlers.search import on_full_article, on_search_page, on_subscribe_word
from bot.handlers.subscriptions import (
    on_remove,
    on_subscriptions_page,
    on_toggle_topic,
    on_topics_page,
)
from bot.handlers.targets import on_manage, on_unlink

_Handler = Callable[[Update, BotContext, Any], Awaitable[None]]

_ROUTES: dict[type, _Handler] = {
    callbacks.ToggleTopic: on_toggle_topic,
    callbacks.ToggleCategory: on_toggle_topic,
    callbacks.TopicsPage: on_topics_page,
    callbacks.RemoveSubscription: on_remove,
    callbacks.SubscriptionsPage: on_subscriptions_page,
    callbacks.SearchPage: on_search_page,
    callbacks.FullArticle: on_full_article,
    callbacks.SubscribeWord: on_subscribe_word,
    callbacks.DigestPage: on_digest_page,
    callbacks.CatalogueHome: on_catalogue_home,
    callbacks.CatalogueCategory: on_catalogue_category,
    callbacks.CatalogueToggle: on_catalogue_toggle,
    callbacks.ManageChat: on_manage,
    callbacks.UnlinkChat: on_unlink,
}


async def on_button(update: Update, context: BotContext) -> None:
    """Route a button press by its (untrusted) callback data."""
    query = update.callback_query
    if query is None:
        return
    data = callbacks.parse(query.data)
    handler = _ROUTES.get(type(data), on_unusable_button)
    await handler(update, context, data)
