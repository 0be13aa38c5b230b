"""The Bot API methods: each takes the emulator state and the call, returns ``result`` or raises."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tests.botapi.emulator import EmulatorState, scope_key
from tests.botapi.files import get_file, send_document
from tests.botapi.params import Params
from tests.botapi.records import (
    ApiError,
    CallbackAnswer,
    Edit,
    InlineAnswer,
    SentMessage,
    bad_request,
)
from tests.botapi.validate import (
    check_commands,
    check_inline_results,
    check_language_code,
    check_reply_markup,
    parse_text,
)

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


@dataclass
class Call:
    """One HTTP call: its parameters and a future resolved when the client disconnects."""

    params: Params
    closed: asyncio.Future[None]


Method = Callable[[EmulatorState, Call], Awaitable[Any]]


async def get_me(emu: EmulatorState, call: Call) -> Any:
    """getMe."""
    return emu.bot_user


async def accept(emu: EmulatorState, call: Call) -> Any:
    """Methods the emulator only acknowledges (close, logOut)."""
    return True


async def get_updates(emu: EmulatorState, call: Call) -> Any:
    """getUpdates with offset confirmation and real long polling."""
    p = call.params
    if emu.webhook.url:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    if emu.poller is not None and not emu.poller.done():
        emu.poller.set_result("conflict")  # the older request is the one terminated
    offset = p.get_int("offset", 0) or 0
    limit = min(max(p.get_int("limit", 100) or 100, 1), 100)
    timeout = max(p.get_int("timeout", 0) or 0, 0)
    allowed = p.get_json("allowed_updates")
    if isinstance(allowed, list):
        emu.allowed_updates = allowed or None
    confirm(emu, offset)
    ready = take(emu, limit)
    if ready or timeout == 0:
        return ready
    loop = asyncio.get_running_loop()
    poller: asyncio.Future[str] = loop.create_future()
    emu.poller = poller
    emu.changed()
    try:
        waits: set[asyncio.Future[Any]] = {poller, call.closed}
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if emu.poller is poller:
            emu.poller = None
    if poller.done() and poller.result() == "conflict":
        raise ApiError(
            409,
            "Conflict: terminated by other getUpdates request; "
            "make sure that only one bot instance is running",
        )
    return [] if emu.webhook.url else take(emu, limit)


def confirm(emu: EmulatorState, offset: int) -> None:
    """Forget updates before ``offset``; a negative offset keeps only the last -offset."""
    if offset > 0:
        emu.updates[:] = [u for u in emu.updates if u["update_id"] >= offset]
    elif offset < 0:
        del emu.updates[: max(len(emu.updates) + offset, 0)]


def take(emu: EmulatorState, limit: int) -> list[dict[str, Any]]:
    """The next updates to hand out, filtered by allowed_updates."""
    if emu.allowed_updates:
        wanted = set(emu.allowed_updates)
        emu.updates[:] = [u for u in emu.updates if wanted & u.keys()]
    return emu.updates[:limit]


async def send_message(emu: EmulatorState, call: Call) -> Any:
    """sendMessage; to a chat the bot may post in, into a forum topic that exists."""
    p = call.params
    if p.raw("chat_id") in (None, ""):
        raise bad_request("chat_id is empty")
    chat_id = emu.resolve_chat(p.raw("chat_id"))
    thread_id = p.get_int("message_thread_id")
    refusal = emu.send_refusal(chat_id, thread_id)
    if refusal is not None:
        raise refusal
    text, parse_mode = p.get_str("text"), p.get_str("parse_mode")
    plain, entities = parse_text(text, parse_mode)
    if not parse_mode and p.get_json("entities"):
        entities = p.get_json("entities")
    markup = p.get_json("reply_markup")
    check_reply_markup(markup)
    preview = p.get_json("link_preview_options")
    message = SentMessage(
        chat_id=chat_id,
        message_id=emu.next_message_id(chat_id),
        text=plain,
        raw_text=text or "",
        parse_mode=parse_mode,
        entities=entities,
        reply_markup=markup,
        link_preview_options=preview,
        params=p.decoded(skip=("chat_id", "text", "parse_mode", "reply_markup")),
        date=emu.now(),
        at=emu.clock(),
        seq=emu.next_seq(),
        thread_id=thread_id,
    )
    emu.add_sent(message)
    return emu.message_object(message)


def _target(emu: EmulatorState, p: Params) -> SentMessage:
    if p.get_str("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")  # the emulator keeps no inline messages
    chat_id = p.chat_id()
    message_id = p.get_int("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    assert chat_id is not None
    message = emu.message(chat_id, message_id)
    if message is None:
        raise bad_request("message to edit not found")
    return message


async def edit_message_text(emu: EmulatorState, call: Call) -> Any:
    """editMessageText."""
    p = call.params
    message = _target(emu, p)
    text, parse_mode = p.get_str("text"), p.get_str("parse_mode")
    plain, entities = parse_text(text, parse_mode)
    markup = p.get_json("reply_markup")
    check_reply_markup(markup)
    if (plain, entities, markup) == (message.text, message.entities, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.text, message.raw_text, message.parse_mode = plain, text or "", parse_mode
    message.entities, message.reply_markup = entities, markup
    if "link_preview_options" in p:
        message.link_preview_options = p.get_json("link_preview_options")
    _record_edit(emu, message, "text")
    return emu.message_object(message)


async def edit_message_reply_markup(emu: EmulatorState, call: Call) -> Any:
    """editMessageReplyMarkup."""
    p = call.params
    message = _target(emu, p)
    markup = p.get_json("reply_markup")
    check_reply_markup(markup)
    if markup == message.reply_markup or (not markup and not message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.reply_markup = markup
    _record_edit(emu, message, "reply_markup")
    return emu.message_object(message)


def _record_edit(emu: EmulatorState, message: SentMessage, kind: str) -> None:
    edit = Edit(
        chat_id=message.chat_id,
        message_id=message.message_id,
        kind=kind,
        text=message.text,
        raw_text=message.raw_text,
        parse_mode=message.parse_mode,
        reply_markup=message.reply_markup,
        at=emu.clock(),
        seq=emu.next_seq(),
    )
    message.edits.append(edit)
    emu.edits.append(edit)
    emu.changed()


async def delete_message(emu: EmulatorState, call: Call) -> Any:
    """deleteMessage."""
    chat_id, message_id = call.params.chat_id(), call.params.get_int("message_id")
    assert chat_id is not None
    message = emu.message(chat_id, message_id or 0)
    if message is None:
        raise bad_request("message to delete not found")
    emu.forget(message)
    return True


async def answer_callback_query(emu: EmulatorState, call: Call) -> Any:
    """answerCallbackQuery: once per query, text at most 200 characters."""
    p = call.params
    query_id = p.get_str("callback_query_id") or ""
    if emu.callback_queries.pop(query_id, None) is None:
        raise bad_request(QUERY_INVALID)
    text = p.get_str("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    emu.callback_answers.append(
        CallbackAnswer(
            query_id,
            text,
            p.get_bool("show_alert"),
            p.get_str("url"),
            p.get_int("cache_time"),
            emu.clock(),
            emu.next_seq(),
        )
    )
    emu.changed()
    return True


async def answer_inline_query(emu: EmulatorState, call: Call) -> Any:
    """answerInlineQuery: at most 50 valid results, once per query."""
    p = call.params
    query_id = p.get_str("inline_query_id") or ""
    if query_id not in emu.inline_queries:
        raise bad_request(QUERY_INVALID)
    results = p.get_json("results")
    texts = check_inline_results(results)
    next_offset = p.get_str("next_offset")
    if next_offset is not None and len(next_offset.encode("utf-8")) > 64:
        raise bad_request("NEXT_OFFSET_INVALID")
    emu.inline_queries.discard(query_id)
    emu.inline_answers.append(
        InlineAnswer(
            query_id,
            results,
            texts,
            next_offset,
            p.get_int("cache_time"),
            p.get_bool("is_personal"),
            p.get_json("button"),
            emu.clock(),
            emu.next_seq(),
        )
    )
    emu.changed()
    return True


async def set_my_commands(emu: EmulatorState, call: Call) -> Any:
    """setMyCommands per scope and language."""
    p = call.params
    commands = check_commands(p.get_json("commands"))
    language = check_language_code(p.get_str("language_code"))
    emu.commands[(scope_key(p.get_json("scope")), language)] = commands
    emu.changed()
    return True


async def get_my_commands(emu: EmulatorState, call: Call) -> Any:
    """getMyCommands for exactly this scope and language."""
    p = call.params
    language = check_language_code(p.get_str("language_code"))
    return emu.get_commands(p.get_json("scope"), language)


async def delete_my_commands(emu: EmulatorState, call: Call) -> Any:
    """deleteMyCommands."""
    p = call.params
    language = check_language_code(p.get_str("language_code"))
    emu.commands.pop((scope_key(p.get_json("scope")), language), None)
    emu.changed()
    return True


async def set_webhook(emu: EmulatorState, call: Call) -> Any:
    """setWebhook (http allowed, for loopback tests); an empty url removes it."""
    p = call.params
    url = p.get_str("url") or ""
    if url and not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.get_str("secret_token")
    if secret is not None and not (
        1 <= len(secret) <= 256 and secret.replace("-", "").replace("_", "").isalnum()
    ):
        raise bad_request("bad webhook: secret token contains unallowed characters")
    if p.get_bool("drop_pending_updates"):
        emu.updates.clear()
    allowed = p.get_json("allowed_updates")
    if isinstance(allowed, list):
        emu.allowed_updates = allowed or None
    emu.webhook.url, emu.webhook.secret_token = url, secret
    emu.webhook.max_connections = p.get_int("max_connections", 40) or 40
    if url and emu.poller is not None and not emu.poller.done():
        emu.poller.set_result("webhook")
    emu.update_event.set()
    emu.changed()
    return True


async def delete_webhook(emu: EmulatorState, call: Call) -> Any:
    """deleteWebhook."""
    if call.params.get_bool("drop_pending_updates"):
        emu.updates.clear()
    emu.webhook.url, emu.webhook.secret_token = "", None
    emu.update_event.set()
    emu.changed()
    return True


async def get_webhook_info(emu: EmulatorState, call: Call) -> Any:
    """getWebhookInfo."""
    hook = emu.webhook
    info: dict[str, Any] = {
        "url": hook.url,
        "has_custom_certificate": False,
        "pending_update_count": len(emu.updates),
    }
    if hook.url:
        info["max_connections"] = hook.max_connections
        if emu.allowed_updates:
            info["allowed_updates"] = emu.allowed_updates
    if hook.last_error_date:
        info["last_error_date"] = hook.last_error_date
        info["last_error_message"] = hook.last_error_message
    return info


async def send_chat_action(emu: EmulatorState, call: Call) -> Any:
    """sendChatAction."""
    chat_id = call.params.chat_id()
    action = call.params.get_str("action") or ""
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    assert chat_id is not None
    emu.chat_actions.append((chat_id, action))
    return True


def _known_chat(emu: EmulatorState, call: Call) -> int:
    """The chat a getChat-like call names: an id or @username; groups and channels must have
    been seen (a user wrote there, or a test registered them), else "chat not found"."""
    value = call.params.raw("chat_id")
    if value is None or value == "":
        raise bad_request("chat_id is empty")
    chat_id = emu.resolve_chat(value)
    if chat_id < 0 and chat_id not in emu.chats:
        raise bad_request("chat not found")
    return chat_id


async def get_chat(emu: EmulatorState, call: Call) -> Any:
    """getChat (full info is reduced to the Chat fields plus accent colour)."""
    chat_id = _known_chat(emu, call)
    gifts = dict.fromkeys(
        ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription"), False
    )
    return {
        **emu.chat(chat_id),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": gifts,  # required since Bot API 9.0
    }


async def get_chat_member(emu: EmulatorState, call: Call) -> Any:
    """getChatMember: the status and rights of a user (or the bot) in a chat."""
    chat_id = _known_chat(emu, call)
    user_id = call.params.get_int("user_id")
    if user_id is None:
        raise bad_request("user_id is empty")
    if emu.chat(chat_id)["type"] == "channel" and user_id != emu.bot_user["id"]:
        # Telegram answers for a channel only when the bot administers it.
        me = emu.member(chat_id, emu.bot_user["id"])
        if me["status"] not in ("administrator", "creator"):
            raise bad_request("member list is inaccessible")
    return emu.member(chat_id, user_id)


async def set_bot_setting(emu: EmulatorState, call: Call) -> Any:
    """setMyDescription / setMyShortDescription / setMyName: recorded only."""
    emu.bot_settings.update(call.params.decoded())
    return True


METHODS: dict[str, Method] = {
    "getme": get_me,
    "getupdates": get_updates,
    "sendmessage": send_message,
    "editmessagetext": edit_message_text,
    "editmessagereplymarkup": edit_message_reply_markup,
    "deletemessage": delete_message,
    "answercallbackquery": answer_callback_query,
    "answerinlinequery": answer_inline_query,
    "setmycommands": set_my_commands,
    "getmycommands": get_my_commands,
    "deletemycommands": delete_my_commands,
    "setwebhook": set_webhook,
    "deletewebhook": delete_webhook,
    "getwebhookinfo": get_webhook_info,
    "sendchataction": send_chat_action,
    "getchat": get_chat,
    "getchatmember": get_chat_member,
    "setmydescription": set_bot_setting,
    "setmyshortdescription": set_bot_setting,
    "setmyname": set_bot_setting,
    "senddocument": send_document,
    "getfile": get_file,
    "close": accept,
    "logout": accept,
}
