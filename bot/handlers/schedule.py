"""/digest now, and the daily push settings: /settime, /timezone, /pause, /resume, /updates."""

from __future__ import annotations

from telegram import Update

from bot import callbacks
from bot.handlers.context import BotContext
from bot.handlers.keyboards import digest_keyboard
from bot.handlers.replies import answer
from bot.handlers.targets import target_ref
from bot.i18n import plain, text, time_list
from bot.render import render_digest
from bot.services.digest import DigestPreview
from bot.services.schedule_input import MAX_DIGEST_TIMES


async def digest(update: Update, context: BotContext) -> None:
    """This chat's digest now; a preview that records no delivery."""
    chat = await target_ref(update, context)
    preview = await context.services.digests.preview(chat)
    if not preview.articles:
        await answer(update, context.bot, text(chat.language, "digest_empty"))
        return
    await _send_page(update, context, preview, chat.language)


async def on_digest_page(update: Update, context: BotContext, data: callbacks.DigestPage) -> None:
    """The digest's next-page button: the next stories, as new messages."""
    chat = await target_ref(update, context)
    query = update.callback_query
    assert query is not None
    preview = await context.services.digests.preview(chat, page=data.page)
    if not preview.articles:
        # A page past the end (stories pushed meanwhile, or a hand-made page number).
        await query.answer(plain(chat.language, "digest_page_gone"), show_alert=True)
        return
    await query.answer()
    await _send_page(update, context, preview, chat.language)


async def _send_page(
    update: Update, context: BotContext, preview: DigestPreview, language: str
) -> None:
    footer = text(language, "digest_note")
    if preview.page:
        footer = text(language, "digest_page", page=preview.page + 1) + "\n" + footer
    parts = render_digest(
        preview.articles,
        topics=context.services.topics,
        language=language,
        today=preview.local_date,
        footer=footer,
        updates=preview.updates,
    )
    markup = digest_keyboard(preview.page + 1, language=language) if preview.has_next else None
    await answer(update, context.bot, parts, markup=markup)


async def settime(update: Update, context: BotContext) -> None:
    """/settime HH:MM [HH:MM ...]: one digest a day at each time."""
    chat = await target_ref(update, context)
    raw = " ".join(context.args or ())
    lang = chat.language
    if not raw:
        await answer(update, context.bot, text(lang, "settime_usage", limit=MAX_DIGEST_TIMES))
        return
    parsed, record = await context.services.chats.set_digest_times(chat, raw)
    if parsed.problem == "bad":
        reply = text(lang, "settime_bad", value=parsed.value[:64])
    elif parsed.problem == "duplicate":
        reply = text(lang, "settime_duplicate", time=parsed.value)
    elif parsed.problem == "too_many":
        reply = text(lang, "settime_too_many", limit=MAX_DIGEST_TIMES, count=parsed.value)
    elif len(record.digest_times) > 1:
        times = time_list(lang, record.digest_times)
        reply = text(lang, "settime_ok_many", times=times, timezone=record.timezone)
    else:
        time = record.digest_time.strftime("%H:%M")
        reply = text(lang, "settime_ok", time=time, timezone=record.timezone)
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
        time=time_list(chat.language, record.digest_times),
        timezone=record.timezone,
    )
    await answer(update, context.bot, reply)


# What /updates takes; the Chinese words too, as Chinese users may type them.
UPDATES_WORDS = {"on": True, "off": False, "开": True, "关": False, "开启": True, "关闭": False}


async def updates(update: Update, context: BotContext) -> None:
    """/updates on|off: whether a story already received comes again when new sources join
    it; alone, the current setting and how to change it."""
    chat = await target_ref(update, context)
    lang = chat.language
    raw = " ".join(context.args or ()).strip().lower()
    if not raw:
        record = await context.services.chats.ensure(chat)
        state = text(lang, "updates_state_on" if record.story_updates else "updates_state_off")
        await answer(update, context.bot, state + "\n" + text(lang, "updates_usage"))
        return
    if raw not in UPDATES_WORDS:
        await answer(update, context.bot, text(lang, "updates_bad", value=raw[:64]))
        return
    on = UPDATES_WORDS[raw]
    _, changed = await context.services.chats.set_story_updates(chat, on)
    key = (
        ("updates_on" if on else "updates_off")
        if changed
        else ("updates_state_on" if on else "updates_state_off")
    )
    await answer(update, context.bot, text(lang, key))
