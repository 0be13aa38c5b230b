"""Sending HTML replies: every part of a long message, link previews off, keyboard on the last."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import CallbackQuery, InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.render import split_message

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def send_parts(
    bot: ExtBot[None],
    chat_id: int,
    parts: Sequence[str],
    *,
    markup: InlineKeyboardMarkup | None = None,
    thread_id: int | None = None,
) -> list[Message]:
    """Send each part in order; the keyboard goes with the last one."""
    sent = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        sent.append(
            await bot.send_message(
                chat_id,
                part,
                parse_mode=ParseMode.HTML,
                link_preview_options=NO_PREVIEW,
                reply_markup=markup if last else None,
                message_thread_id=thread_id,
            )
        )
    return sent


async def answer(
    update: Update,
    bot: ExtBot[None],
    html: str | Sequence[str],
    *,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Reply in the chat (and forum thread) an update came from."""
    chat = update.effective_chat
    if chat is None:
        return
    message = update.effective_message
    thread_id = message.message_thread_id if message and message.is_topic_message else None
    # A single message is split too: a reply must never be refused for its length.
    parts = split_message(html) if isinstance(html, str) else list(html)
    await send_parts(bot, chat.id, parts, markup=markup, thread_id=thread_id)


async def edit_in_place(
    query: CallbackQuery,
    html: str | None = None,
    *,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Redraw a button's message (its text and keyboard, or the keyboard alone when ``html`` is
    None); two quick taps asking for what the message already shows are not an error."""
    try:
        if html is None:
            await query.edit_message_reply_markup(reply_markup=markup)
        else:
            await query.edit_message_text(html, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
