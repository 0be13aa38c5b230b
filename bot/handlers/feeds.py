"""Admin commands for polled feeds: /addfeed URL, /delfeed URL, /feeds.

Registered for ADMIN_IDS only (see bot.app); anyone else gets the unknown-command answer.
"""

from __future__ import annotations

from telegram import Update

from bot.handlers.context import BotContext, chat_ref
from bot.handlers.replies import answer
from bot.i18n import text
from bot.render import render_feeds


async def add_feed(update: Update, context: BotContext) -> None:
    """/addfeed URL: start polling a feed."""
    language = chat_ref(update).language
    if not context.args or update.effective_user is None:
        await answer(update, context.bot, text(language, "feed_add_usage"))
        return
    feeds = context.services.feeds
    outcome = await feeds.add(context.args[0], added_by=update.effective_user.id)
    if outcome.status == "refused":
        reply = text(language, "feed_refused", url=outcome.url, reason=outcome.reason)
    else:
        key = "feed_added" if outcome.status == "added" else "feed_exists"
        reply = text(language, key, url=outcome.url, minutes=feeds.poll_minutes)
    await answer(update, context.bot, reply)


async def delete_feed(update: Update, context: BotContext) -> None:
    """/delfeed URL: stop polling a feed."""
    language = chat_ref(update).language
    if not context.args:
        await answer(update, context.bot, text(language, "feed_del_usage"))
        return
    outcome = await context.services.feeds.remove(context.args[0])
    await answer(update, context.bot, text(language, f"feed_{outcome.status}", url=outcome.url))


async def list_feeds(update: Update, context: BotContext) -> None:
    """/feeds: the polled feeds and their health."""
    listing = await context.services.feeds.listing()
    await answer(update, context.bot, render_feeds(listing, language=chat_ref(update).language))
