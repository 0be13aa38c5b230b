"""Unknown commands, buttons this bot did not make, and the one error handler."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from telegram import MessageEntity, Update

from bot import callbacks, metrics
from bot.handlers.context import BotContext, chat_ref
from bot.handlers.replies import answer
from bot.i18n import plain, text

log = logging.getLogger(__name__)


def _addressed_to_other_bot(update: Update, username: str | None) -> bool:
    """True for /cmd@otherbot, and for a bare /cmd in a group (it may be for another bot)."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return True
    commands = message.parse_entities([MessageEntity.BOT_COMMAND])
    first = next(iter(commands.values()), "")
    _, at, target = first.partition("@")
    if at:
        return target.lower() != (username or "").lower()
    return chat.type != "private"


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not have (or that this user may not use)."""
    if _addressed_to_other_bot(update, context.bot.username):
        return
    await answer(update, context.bot, text(chat_ref(update).language, "unknown_command"))


async def on_unusable_button(update: Update, context: BotContext, data: callbacks.Parsed) -> None:
    """Stale or forged callback data: a short notice, nothing else."""
    query = update.callback_query
    if query is not None:
        await query.answer(plain(chat_ref(update).language, "callback_stale"))


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure with its traceback and tell the user one short sentence."""
    if isinstance(context.error, SQLAlchemyError):
        metrics.database_errors.labels(operation="update").inc()
    # PTB reports errors of its own polling loop with no update.
    what = "update failed" if update is not None else "polling failed"
    log.error("%s: %s", what, type(context.error).__name__, exc_info=context.error)
    if not isinstance(update, Update):
        return
    language = chat_ref(update).language
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(plain(language, "error"))
        elif update.effective_chat is not None:
            await answer(update, context.bot, text(language, "error"))
    except Exception:  # the chat may be unreachable; the original error is already logged
        log.warning("could not tell the user about the error", exc_info=True)
