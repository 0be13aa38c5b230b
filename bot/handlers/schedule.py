"""/digest now, and the daily push settings: /settime, /timezone, /pause, /resume."""

from __future__ import annotations

from telegram import Update

from bot.handlers.context import BotContext
from bot.handlers.replies import answer
from bot.handlers.targets import target_ref
from bot.i18n import text
from bot.render import render_digest


async def digest(update: Update, context: BotContext) -> None:
    """This chat's digest now; a preview that records no delivery."""
    chat = await target_ref(update, context)
    services = context.services
    preview = await services.digests.preview(chat)
    if not preview.articles:
        await answer(update, context.bot, text(chat.language, "digest_empty"))
        return
    parts = render_digest(
        preview.articles,
        topics=services.topics,
        language=chat.language,
        today=preview.local_date,
        footer=text(chat.language, "digest_note"),
    )
    await answer(update, context.bot, parts)


async def settime(update: Update, context: BotContext) -> None:
    """/settime HH:MM."""
    chat = await target_ref(update, context)
    raw = " ".join(context.args or ())
    if not raw:
        await answer(update, context.bot, text(chat.language, "settime_usage"))
        return
    record = await context.services.chats.set_digest_time(chat, raw)
    if record is None:
        await answer(update, context.bot, text(chat.language, "settime_bad", value=raw[:64]))
        return
    reply = text(
        chat.language,
        "settime_ok",
        time=record.digest_time.strftime("%H:%M"),
        timezone=record.timezone,
    )
    await answer(update, context.bot, reply)


async def timezone(update: Update, context: BotContext) -> None:
    """/timezone ZONE: an IANA name, an offset or a city."""
    chat = await target_ref(update, context)
    raw = " ".join(context.args or ())
    if not raw:
        await answer(update, context.bot, text(chat.language, "tz_usage"))
        return
    change = await context.services.chats.set_timezone(chat, raw)
    if change is None:
        await answer(update, context.bot, text(chat.language, "tz_bad", value=raw[:64]))
        return
    reply = text(
        chat.language,
        "tz_ok",
        zone=change.choice.zone,
        understood=change.choice.understood,
        now=change.local_now.strftime("%H:%M"),
    )
    await answer(update, context.bot, reply)


async def pause(update: Update, context: BotContext) -> None:
    """Stop the daily push."""
    chat = await target_ref(update, context)
    _, changed = await context.services.chats.set_paused(chat, True)
    await answer(
        update, context.bot, text(chat.language, "paused" if changed else "already_paused")
    )


async def resume(update: Update, context: BotContext) -> None:
    """Start the daily push again."""
    chat = await target_ref(update, context)
    record, changed = await context.services.chats.set_paused(chat, False)
    reply = text(
        chat.language,
        "resumed" if changed else "already_active",
        time=record.digest_time.strftime("%H:%M"),
        timezone=record.timezone,
    )
    await answer(update, context.bot, reply)
