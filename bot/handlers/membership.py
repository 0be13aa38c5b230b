"""What Telegram announces about a chat itself: a group that became a supergroup."""

from __future__ import annotations

from telegram import Update

from bot.handlers.context import BotContext


async def chat_moved(update: Update, context: BotContext) -> None:
    """Follow a group to its new supergroup id (the old id no longer accepts messages)."""
    message = update.effective_message
    if message is None:
        return
    # Telegram sends both halves (one in each chat); moving is idempotent, so either will do.
    if message.migrate_to_chat_id is not None:
        await context.services.chats.move(message.chat_id, message.migrate_to_chat_id)
    elif message.migrate_from_chat_id is not None:
        await context.services.chats.move(message.migrate_from_chat_id, message.chat_id)
