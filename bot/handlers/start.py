"""/start (with deep links) and /help."""

from __future__ import annotations

from telegram import Update

from bot.handlers.context import BotContext, chat_ref
from bot.handlers.replies import answer
from bot.handlers.subscriptions import choices_keyboard, subscribe_message
from bot.i18n import text, time_list

DEEP_LINK_TOPIC = "topic_"


async def start(update: Update, context: BotContext) -> None:
    """Greet, explain, show the category and topic keyboard; ``/start topic_<slug>`` (a category's
    or a topic's slug, the category first) subscribes at once."""
    chat = chat_ref(update)
    services = context.services
    record = await services.chats.start(chat)
    payload = context.args[0] if context.args else ""
    if payload.startswith(DEEP_LINK_TOPIC):
        slug = payload.removeprefix(DEEP_LINK_TOPIC)
        known = services.subscriptions.category(slug) or services.subscriptions.topic(slug)
        if known is None:
            await answer(update, context.bot, text(chat.language, "deep_link_unknown"))
        else:
            outcome = await services.subscriptions.subscribe(chat, slug)
            reply = subscribe_message(outcome, topics=services.topics, language=chat.language)
            await answer(update, context.bot, reply)
    greeting = text(
        chat.language,
        "start",
        time=time_list(chat.language, record.digest_times),
        timezone=record.timezone,
    )
    markup = await choices_keyboard(context, chat, 0)
    await answer(update, context.bot, greeting, markup=markup)


async def help_command(update: Update, context: BotContext) -> None:
    """The list of commands."""
    chat = chat_ref(update)
    await answer(update, context.bot, text(chat.language, "help", bot=context.bot.username))
