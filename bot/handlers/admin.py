"""Admin commands (registered for ADMIN_IDS only): /stats and /ingest."""

from __future__ import annotations

from telegram import Update

from bot.handlers.context import BotContext, chat_ref
from bot.handlers.replies import answer
from bot.i18n import text
from bot.render import split_message


async def stats(update: Update, context: BotContext) -> None:
    """Counts of chats, articles, subscriptions per topic and today's deliveries."""
    language = chat_ref(update).language
    services = context.services
    counts = await services.admin.stats()
    names = {t.slug: (t.name_en if language == "en" else t.name_zh) for t in services.topics}
    per_topic = "\n".join(
        f"{names.get(slug, slug)}: {count}"
        for slug, count in sorted(counts.subscriptions_by_topic.items(), key=lambda i: -i[1])
    )
    reply = text(
        language,
        "stats",
        chats=counts.chats,
        active=counts.active_chats,
        articles=counts.articles,
        keywords=counts.keyword_subscriptions,
        deliveries=counts.deliveries_today,
        topics=per_topic or "-",
    )
    await answer(update, context.bot, split_message(reply))


async def ingest(update: Update, context: BotContext) -> None:
    """/ingest PATH_OR_URL: load articles and say what was added, duplicate or refused."""
    language = chat_ref(update).language
    source = " ".join(context.args or ())
    if not source:
        await answer(update, context.bot, text(language, "ingest_usage"))
        return
    summary = await context.services.admin.ingest(source)
    lines = [
        text(
            language,
            "ingest_result",
            added=summary.added,
            duplicates=summary.duplicates,
            refused=len(summary.refused),
        )
    ]
    lines.extend(
        text(language, "ingest_refused", source=where, reason=why)
        for where, why in summary.refused[:20]
    )
    await answer(update, context.bot, split_message("\n".join(lines)))
