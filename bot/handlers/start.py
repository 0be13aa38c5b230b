"""/start (with deep links) and /help."""

from __future__ import annotations

from telegram import Update

from bot.handlers.context import BotContext, chat_ref
from bot.handlers.keyboards import topics_keyboard
from bot.handlers.replies import answer
from bot.handlers.subscriptions import subscribe_message
from bot.i18n import text

DEEP_LINK_TOPIC = "topic_"


async def start(update: Update, context: BotContext) -> None:
    """Greet, explain, show the topic keyboard; ``/start topic_<slug>`` subscribes at once."""
    chat = chat_ref(update)
    services = context.services
    record = await services.chats.start(chat)
    payload = context.args[0] if context.args else ""
    if payload.startswith(DEEP_LINK_TOPIC):
        slug = payload.removeprefix(DEEP_LINK_TOPIC)
        topic = services.subscriptions.topic(slug)
        if topic is None:
            await answer(update, context.bot, text(chat.language, "deep_link_unknown"))
        else:
            outcome = await services.subscriptions.subscribe(chat, slug)
            reply = subscribe_message(outcome, topics=services.topics, language=chat.language)
            await answer(update, context.bot, reply)
    subscribed = await services.subscriptions.subscribed_topics(chat)
    greeting = text(
        chat.language,
        "start",
        time=record.digest_time.strftime("%H:%M"),
        timezone=record.timezone,
    )
    markup = topics_keyboard(services.topics, subscribed, page=0, language=chat.language)
    await answer(update, context.bot, greeting, markup=markup)


async def help_command(update: Update, context: BotContext) -> None:
    """The list of commands."""
    chat = chat_ref(update)
    await answer(update, context.bot, text(chat.language, "help", bot=context.bot.username))
