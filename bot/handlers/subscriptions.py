"""/topics, /subscribe, /unsubscribe, /mysubs and their buttons."""

from __future__ import annotations

from telegram import Update
from telegram.error import BadRequest

from bot import callbacks
from bot.handlers.context import BotContext, chat_ref
from bot.handlers.keyboards import subscriptions_keyboard, topics_keyboard
from bot.handlers.replies import answer
from bot.i18n import plain, text
from bot.services.subscriptions import (
    MAX_KEYWORD_CHARS,
    MAX_SUBSCRIPTIONS,
    SubscribeOutcome,
    UnsubscribeOutcome,
)

_SUBSCRIBE_KEYS = {
    "exists": "already_subscribed",
    "limit": "sub_limit",
    "too_long": "keyword_too_long",
    "no_tokens": "keyword_no_tokens",
    "empty": "subscribe_usage",
}


def subscribe_message(outcome: SubscribeOutcome, language: str) -> str:
    """What to say after a subscribe attempt."""
    target = outcome.target
    if outcome.status == "added" and target is not None:
        key = "subscribed_topic" if target.kind == "topic" else "subscribed_keyword"
    else:
        key = _SUBSCRIBE_KEYS.get(outcome.status, "subscribe_usage")
    limit = MAX_SUBSCRIPTIONS if outcome.status == "limit" else MAX_KEYWORD_CHARS
    return text(language, key, name=target.label if target else "", limit=limit)


def unsubscribe_message(outcome: UnsubscribeOutcome, language: str) -> str:
    """What to say after an unsubscribe attempt."""
    name = outcome.target.label if outcome.target else ""
    key = {"removed": "unsubscribed", "missing": "not_subscribed"}.get(
        outcome.status, "unsubscribe_usage"
    )
    return text(language, key, name=name)


async def topics(update: Update, context: BotContext) -> None:
    """The topic keyboard with ✅ on subscribed topics."""
    chat = chat_ref(update)
    subscribed = await context.services.subscriptions.subscribed_topics(chat)
    markup = topics_keyboard(context.services.topics, subscribed, page=0, language=chat.language)
    await answer(update, context.bot, text(chat.language, "topics_title"), markup=markup)


async def subscribe(update: Update, context: BotContext) -> None:
    """/subscribe TOPIC_OR_WORD."""
    chat = chat_ref(update)
    outcome = await context.services.subscriptions.subscribe(chat, " ".join(context.args or ()))
    await answer(update, context.bot, subscribe_message(outcome, chat.language))


async def unsubscribe(update: Update, context: BotContext) -> None:
    """/unsubscribe TOPIC_OR_WORD."""
    chat = chat_ref(update)
    outcome = await context.services.subscriptions.unsubscribe(chat, " ".join(context.args or ()))
    await answer(update, context.bot, unsubscribe_message(outcome, chat.language))


async def mysubs(update: Update, context: BotContext) -> None:
    """The chat's subscriptions with a remove button each."""
    chat = chat_ref(update)
    service = context.services.subscriptions
    subscriptions = await service.list(chat)
    if not subscriptions:
        await answer(update, context.bot, text(chat.language, "mysubs_empty"))
        return
    labels = [service.label(s, chat.language) for s in subscriptions]
    markup = subscriptions_keyboard(subscriptions, labels)
    title = text(chat.language, "mysubs_title", count=len(subscriptions))
    await answer(update, context.bot, title, markup=markup)


async def _show_topics_page(update: Update, context: BotContext, page: int) -> None:
    chat = chat_ref(update)
    subscribed = await context.services.subscriptions.subscribed_topics(chat)
    markup = topics_keyboard(context.services.topics, subscribed, page=page, language=chat.language)
    query = update.callback_query
    if query is None:
        return
    try:
        await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest as exc:
        # Two quick taps can ask for the markup the message already has.
        if "not modified" not in str(exc).lower():
            raise


async def on_toggle_topic(update: Update, context: BotContext, data: callbacks.ToggleTopic) -> None:
    """A topic button: subscribe or unsubscribe, redraw the keyboard in place."""
    chat = chat_ref(update)
    query = update.callback_query
    assert query is not None
    outcome = await context.services.subscriptions.toggle_topic(chat, data.slug)
    if outcome is None or outcome.target is None:
        await query.answer(plain(chat.language, "callback_stale"))
        return
    if outcome.status == "limit":
        await query.answer(plain(chat.language, "sub_limit", limit=MAX_SUBSCRIPTIONS), True)
        return
    key = "topic_on" if outcome.status == "added" else "topic_off"
    await query.answer(plain(chat.language, key, name=outcome.target.label))
    await _show_topics_page(update, context, data.page)


async def on_topics_page(update: Update, context: BotContext, data: callbacks.TopicsPage) -> None:
    """Previous/next on the topic keyboard."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await _show_topics_page(update, context, data.page)


async def on_remove(
    update: Update, context: BotContext, data: callbacks.RemoveSubscription
) -> None:
    """A /mysubs ❌ button: remove that subscription and redraw the list."""
    chat = chat_ref(update)
    query = update.callback_query
    assert query is not None
    service = context.services.subscriptions
    removed = await service.remove(chat, data.kind, data.value)
    if removed is None:
        await query.answer(plain(chat.language, "callback_stale"))
        return
    await query.answer(plain(chat.language, "removed", name=service.label(removed, chat.language)))
    remaining = await service.list(chat)
    if not remaining:
        await query.edit_message_text(text(chat.language, "mysubs_empty"))
        return
    labels = [service.label(s, chat.language) for s in remaining]
    await query.edit_message_text(
        text(chat.language, "mysubs_title", count=len(remaining)),
        reply_markup=subscriptions_keyboard(remaining, labels),
    )
