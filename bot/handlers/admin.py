"""Admin commands (registered for ADMIN_IDS only): /stats and /ingest."""

from __future__ import annotations

from telegram import Update

from bot.handlers.context import BotContext, chat_ref
from bot.handlers.replies import answer
from bot.i18n import text
from bot.render import render_ingest, render_stats


async def stats(update: Update, context: BotContext) -> None:
    """Counts of chats, articles, subscriptions per topic and today's deliveries."""
    language = chat_ref(update).language
    counts = await context.services.admin.stats()
    reply = render_stats(counts, topics=context.services.topics, language=language)
    await answer(update, context.bot, reply)


async def ingest(update: Update, context: BotContext) -> None:
    """/ingest PATH_OR_URL: load articles and say what was added, duplicate or refused."""
    language = chat_ref(update).language
    source = " ".join(context.args or ())
    if not source:
        await answer(update, context.bot, text(language, "ingest_usage"))
        return
    summary = await context.services.admin.ingest(source)
    reply = render_ingest(summary.added, summary.duplicates, summary.refused, language=language)
    await answer(update, context.bot, reply)
