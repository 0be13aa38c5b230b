"""Feeds for every chat: /subscribe URL or route or catalogue entry, /unsubscribe URL,
/export (the chat's feeds as an .opml file), and an .opml file sent to the bot."""

from __future__ import annotations

from telegram import InputFile, Update

from bot.handlers.context import BotContext, chat_ref
from bot.handlers.replies import answer
from bot.handlers.targets import target_ref
from bot.i18n import text
from bot.services.chat_feeds import FollowOutcome, ImportReport
from bot.sources.errors import size_text
from bot.sources.opml import MAX_OPML_BYTES

# Refused outlines listed in an import's answer; the rest are counted.
MAX_LISTED = 10


def follow_message(outcome: FollowOutcome, *, language: str, limit: int) -> str:
    """What to say after following or leaving a feed."""
    keys = {
        "added": "subscribed_feed",
        "exists": "feed_already_followed",
        "limit": "feed_limit",
        "refused": "feed_sub_refused",
        "admins_only": "feeds_admin_only",
        "removed": "feed_unfollowed",
        "missing": "feed_not_followed",
    }
    return text(
        language,
        keys[outcome.status],
        name=outcome.name or outcome.url,
        url=outcome.url,
        reason=outcome.reason,
        limit=limit,
    )


def _user_id(update: Update) -> int | None:
    return update.effective_user.id if update.effective_user else None


async def subscribe_feed(update: Update, context: BotContext, subject: str) -> None:
    """/subscribe with a feed address, an rsshub:// route or a catalogue entry."""
    chat = await target_ref(update, context)
    feeds = context.services.chat_feeds
    outcome = await feeds.follow(chat, subject, user_id=_user_id(update))
    reply = follow_message(outcome, language=chat.language, limit=feeds.max_per_chat)
    await answer(update, context.bot, reply)


async def unsubscribe_feed(update: Update, context: BotContext, subject: str) -> None:
    """/unsubscribe with a feed address."""
    chat = await target_ref(update, context)
    feeds = context.services.chat_feeds
    outcome = await feeds.unfollow(chat, subject, user_id=_user_id(update))
    reply = follow_message(outcome, language=chat.language, limit=feeds.max_per_chat)
    await answer(update, context.bot, reply)


async def export_feeds(update: Update, context: BotContext) -> None:
    """/export: the chat's feeds as an .opml file."""
    chat = chat_ref(update)
    count, document = await context.services.chat_feeds.export_chat(chat)
    if not count:
        await answer(update, context.bot, text(chat.language, "export_empty"))
        return
    await context.bot.send_document(
        chat.id,
        InputFile(document, filename="wenzhai-feeds.opml"),
        caption=text(chat.language, "export_caption", count=count),
    )


def import_message(report: ImportReport, *, language: str) -> str:
    """The answer to an OPML file: the counts, then each refused outline with its reason."""
    if report.error == "admins_only":
        return text(language, "feeds_admin_only")
    if report.error is not None:
        return text(language, "opml_refused", reason=report.error)
    lines = [
        text(
            language,
            "opml_result",
            added=len(report.added),
            existing=len(report.existing),
            refused=len(report.refused),
        )
    ]
    for url, reason in report.refused[:MAX_LISTED]:
        lines.append(text(language, "opml_refused_item", url=url, reason=reason))
    if len(report.refused) > MAX_LISTED:
        lines.append(text(language, "opml_more", count=len(report.refused) - MAX_LISTED))
    return "\n".join(lines)


async def import_opml(update: Update, context: BotContext) -> None:
    """An .opml file: follow its feeds in this chat, and say what was added and refused."""
    chat = chat_ref(update)
    message = update.effective_message
    if message is None or message.document is None:
        return
    feeds = context.services.chat_feeds
    if not feeds.may_manage(_user_id(update)):
        await answer(update, context.bot, text(chat.language, "feeds_admin_only"))
        return
    size = message.document.file_size or 0
    if size > MAX_OPML_BYTES:
        # Said before downloading it: Telegram lets bots fetch files of up to 20 MB.
        reason = (
            f"the file is {size_text(size)}; an OPML file may hold at most "
            f"{size_text(MAX_OPML_BYTES)}"
        )
        await answer(update, context.bot, text(chat.language, "opml_refused", reason=reason))
        return
    file = await message.document.get_file()
    data = bytes(await file.download_as_bytearray())
    report = await feeds.import_chat(chat, data, user_id=_user_id(update))
    await answer(update, context.bot, import_message(report, language=chat.language))
