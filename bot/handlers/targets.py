"""Which chat a command is for, and /channel, /unlink, the chat picker and the bot's rights.

A command acts on a *target*: the chat it was sent in, except in a forum topic (the topic's
own row, see bot.store.targets) and in a private chat whose user chose to manage a linked
channel or group there (/channel, or the picker under /mysubs). Handlers ask ``target_ref``.
"""

from __future__ import annotations

import logging

from telegram import (
    ChatMember,
    ChatMemberAdministrator,
    ChatMemberOwner,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageOriginChannel,
    Update,
)
from telegram.error import BadRequest, Forbidden
from telegram.ext import filters

from bot import callbacks
from bot.handlers.context import BotContext, chat_ref
from bot.handlers.replies import answer, edit_in_place
from bot.i18n import plain, text
from bot.render import clip
from bot.services.chats import ChatRef
from bot.services.targets import ChatFacts, parse_chat_ref
from bot.store.records import ChatRecord

log = logging.getLogger(__name__)
_GROUP_TYPES = ("channel", "group", "supergroup")


class _ChannelForward(filters.MessageFilter):
    """A message forwarded from a channel."""

    def filter(self, message: Message) -> bool:
        return isinstance(message.forward_origin, MessageOriginChannel)


CHANNEL_FORWARD = _ChannelForward(name="ChannelForward")


async def target_ref(update: Update, context: BotContext) -> ChatRef:
    """The chat row a command or button acts on (see the module docstring)."""
    chat = chat_ref(update)
    message = update.effective_message
    if chat.type == "supergroup" and message is not None and message.is_topic_message:
        thread_id = message.message_thread_id
        if thread_id is not None:
            return await context.services.targets.topic(chat, thread_id)
    if chat.type == "private":
        managed = await context.services.targets.managing(chat.id)
        if managed is not None:
            return ChatRef(managed.id, managed.type, chat.language)
    return chat


def _name(record: ChatRecord) -> str:
    return clip(record.title or str(record.id), 40)


async def managing_header(update: Update, context: BotContext, target: ChatRef) -> str:
    """A first line naming the linked chat a private chat manages ("" otherwise)."""
    chat = update.effective_chat
    if chat is None or chat.type != "private" or chat.id == target.id:
        return ""
    name = await context.services.targets.title(target.id)
    return text(target.language, "managing_header", name=name) + "\n"


async def picker_rows(
    update: Update, context: BotContext, current: int
) -> list[list[InlineKeyboardButton]]:
    """Buttons to manage the private chat or one of the user's linked chats (✅ on
    ``current``); none outside private chats or for users who linked nothing."""
    chat = update.effective_chat
    if chat is None or chat.type != "private":
        return []
    linked = await context.services.targets.linked(chat.id)
    if not linked:
        return []
    language = chat_ref(update).language
    choices = [(0, "💬 " + plain(language, "channel_private_name"))]
    choices += [(record.id, "📢 " + _name(record)) for record in linked]
    buttons = [
        InlineKeyboardButton(
            ("✅ " if (chat_id or chat.id) == current else "") + label,
            callback_data=callbacks.encode(callbacks.ManageChat(chat_id)),
        )
        for chat_id, label in choices
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def with_rows(
    markup: InlineKeyboardMarkup | None, rows: list[list[InlineKeyboardButton]]
) -> InlineKeyboardMarkup | None:
    """A keyboard with the picker rows added below."""
    if not rows:
        return markup
    existing = [list(row) for row in markup.inline_keyboard] if markup is not None else []
    return InlineKeyboardMarkup(existing + rows)


# ----- /channel and forwarded posts -----------------------------------------------------
async def _member(context: BotContext, chat_id: int, user_id: int) -> ChatMember | None:
    try:
        return await context.bot.get_chat_member(chat_id, user_id)
    except (BadRequest, Forbidden):  # e.g. "member list is inaccessible": the bot is no admin
        return None


def _bot_can_post(chat_type: str, me: ChatMember | None) -> bool:
    if me is None or isinstance(me, ChatMemberOwner):
        return me is not None
    if chat_type == "channel":
        return isinstance(me, ChatMemberAdministrator) and bool(me.can_post_messages)
    if isinstance(me, ChatMemberRestricted):
        return bool(me.can_send_messages)
    return me.status in ("administrator", "member")


async def _facts(context: BotContext, ref: str | int, user_id: int) -> ChatFacts | None:
    """What Telegram says of the chat, the user and the bot there; None: no such chat."""
    try:
        chat = await context.bot.get_chat(ref)
    except (BadRequest, Forbidden):
        return None
    if chat.type not in _GROUP_TYPES:
        return None
    me = await _member(context, chat.id, context.bot.id)
    user = None
    if chat.type != "channel" or (me is not None and me.status in ("administrator", "creator")):
        # A channel shows its members only to its admins: asking otherwise is refused.
        user = await _member(context, chat.id, user_id)
    return ChatFacts(
        chat_id=chat.id,
        type=chat.type,
        title=chat.title or chat.username or str(chat.id),
        user_status=user.status if user is not None else "unknown",
        bot_status=me.status if me is not None else "left",
        bot_can_post=_bot_can_post(chat.type, me),
    )


async def _link(update: Update, context: BotContext, ref: str | int, shown: str) -> None:
    chat = chat_ref(update)
    if chat.type != "private":
        await answer(update, context.bot, text(chat.language, "channel_private_only"))
        return
    facts = await _facts(context, ref, chat.id)
    if facts is None:
        await answer(update, context.bot, text(chat.language, "channel_unknown", value=shown))
        return
    outcome = await context.services.targets.link(chat, facts)
    await answer(
        update, context.bot, text(chat.language, f"channel_{outcome.status}", name=outcome.name)
    )


async def channel(update: Update, context: BotContext) -> None:
    """/channel @name or -100…: link a channel or group; bare: list linked ones to pick."""
    chat = chat_ref(update)
    if chat.type != "private":
        await answer(update, context.bot, text(chat.language, "channel_private_only"))
        return
    raw = " ".join(context.args or ()).strip()
    if raw:
        ref = parse_chat_ref(raw)
        if ref is None:
            reply = text(chat.language, "channel_bad_ref", value=clip(raw, 64))
            await answer(update, context.bot, reply)
            return
        await _link(update, context, ref, clip(raw, 64))
        return
    await _show_list(update, context)


async def _show_list(update: Update, context: BotContext, *, edit: bool = False) -> None:
    chat = chat_ref(update)
    target = await target_ref(update, context)
    rows = await picker_rows(update, context, target.id)
    if not rows:
        body = (
            text(chat.language, "channel_list_empty")
            + "\n\n"
            + text(chat.language, "channel_usage")
        )
        await answer(update, context.bot, body)
        return
    if target.id == chat.id:
        current = plain(chat.language, "channel_private_name")
    else:
        current = await context.services.targets.title(target.id)
    body = text(chat.language, "channel_list", current=current)
    markup = InlineKeyboardMarkup(rows)
    query = update.callback_query
    if edit and query is not None:
        await edit_in_place(query, body, markup=markup)
        return
    await answer(update, context.bot, body, markup=markup)


async def on_forwarded_post(update: Update, context: BotContext) -> None:
    """A post forwarded from a channel into the private chat: link that channel."""
    message = update.effective_message
    if message is None or not isinstance(message.forward_origin, MessageOriginChannel):
        return
    origin = message.forward_origin.chat
    await _link(update, context, origin.id, origin.title or str(origin.id))


async def on_manage(update: Update, context: BotContext, data: callbacks.ManageChat) -> None:
    """A picker button: manage that linked chat (0: the private chat) from now on."""
    chat = chat_ref(update)
    query = update.callback_query
    assert query is not None
    if chat.type != "private":
        await query.answer(plain(chat.language, "callback_stale"))
        return
    chosen = data.chat_id or None
    if not await context.services.targets.choose(chat, chosen):
        await query.answer(plain(chat.language, "callback_stale"))
        return
    if chosen is None:
        name = plain(chat.language, "channel_private_name")
    else:
        name = await context.services.targets.title(chosen)
    await query.answer(plain(chat.language, "channel_now_managing", name=name))
    await _show_list(update, context, edit=True)


# ----- /unlink --------------------------------------------------------------------------
async def unlink(update: Update, context: BotContext) -> None:
    """/unlink @name or id: remove a link; bare: buttons for each linked chat."""
    chat = chat_ref(update)
    if chat.type != "private":
        await answer(update, context.bot, text(chat.language, "channel_private_only"))
        return
    service = context.services.targets
    raw = " ".join(context.args or ()).strip()
    if not raw:
        linked = await service.linked(chat.id)
        if not linked:
            await answer(update, context.bot, text(chat.language, "channel_list_empty"))
            return
        rows = [
            [
                InlineKeyboardButton(
                    "❌ " + _name(record),
                    callback_data=callbacks.encode(callbacks.UnlinkChat(record.id)),
                )
            ]
            for record in linked
        ]
        await answer(
            update,
            context.bot,
            text(chat.language, "unlink_pick"),
            markup=InlineKeyboardMarkup(rows),
        )
        return
    ref = parse_chat_ref(raw)
    if ref is None:
        await answer(
            update, context.bot, text(chat.language, "channel_bad_ref", value=clip(raw, 64))
        )
        return
    if isinstance(ref, str):  # a username: Telegram knows which chat it is
        facts = await _facts(context, ref, chat.id)
        ref = facts.chat_id if facts is not None else ref
    record = await service.find_linked(chat.id, ref)
    removed = await service.unlink(chat.id, record.id) if record is not None else None
    if removed is None:
        await answer(
            update, context.bot, text(chat.language, "unlink_missing", value=clip(raw, 64))
        )
        return
    await answer(update, context.bot, text(chat.language, "unlink_done", name=_name(removed)))


async def on_unlink(update: Update, context: BotContext, data: callbacks.UnlinkChat) -> None:
    """An /unlink button."""
    chat = chat_ref(update)
    query = update.callback_query
    assert query is not None
    removed = await context.services.targets.unlink(chat.id, data.chat_id)
    if removed is None:
        await query.answer(plain(chat.language, "callback_stale"))
        return
    await query.answer()
    await query.edit_message_text(text(chat.language, "unlink_done", name=_name(removed)))


# ----- the bot's own membership -----------------------------------------------------------
async def bot_membership(update: Update, context: BotContext) -> None:
    """my_chat_member in a channel or group: the bot lost its right to post (its admins hear
    it once) or got it back."""
    change = update.my_chat_member
    if change is None or change.chat.type not in _GROUP_TYPES:
        return
    chat = change.chat
    me = change.new_chat_member
    facts = ChatFacts(
        chat_id=chat.id,
        type=chat.type,
        title=chat.title or str(chat.id),
        user_status="unknown",
        bot_status=me.status,
        bot_can_post=_bot_can_post(chat.type, me),
    )
    service = context.services.targets
    admins = await service.rights_changed(chat.id, facts)
    if not admins:
        return
    record = await context.services.store.get_chat(chat.id)
    language = record.language if record else "zh"
    message = text(language, "target_rights_lost", name=facts.title)
    for admin in admins:
        try:
            await context.bot.send_message(admin, message)
        except (BadRequest, Forbidden) as exc:  # an admin who blocked the bot cannot be told
            log.info("could not tell admin %s about chat %s: %s", admin, chat.id, exc)
