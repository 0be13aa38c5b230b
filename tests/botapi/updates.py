"""Build updates the way Telegram does: messages with entities, callback and inline queries."""

from __future__ import annotations

import re
from typing import Any

from tests.botapi.html import utf16_len
from tests.botapi.records import User

# A bot command starts a word: "/name" or "/name@botname".
_COMMAND = re.compile(r"(?<![^\s])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![^\s])")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}\b")
_URL = re.compile(r"\bhttps?://[^\s<>\"]+")


def chat_dict(chat_id: int, chat_type: str, user: User | None, title: str | None) -> dict[str, Any]:
    """The Chat object for a private chat, a group or a supergroup."""
    if chat_type == "private":
        chat: dict[str, Any] = {"id": chat_id, "type": "private"}
        if user is not None:
            chat["first_name"] = user.first_name
            if user.username:
                chat["username"] = user.username
        return chat
    return {"id": chat_id, "type": chat_type, "title": title or f"Group {chat_id}"}


def default_chat(chat_id: int) -> dict[str, Any]:
    """A Chat object for a chat the emulator has not seen: sign of the id gives its kind."""
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}


def text_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram detects in a user's plain text: bot commands, mentions, URLs."""
    found: list[dict[str, Any]] = []
    for kind, pattern in (("bot_command", _COMMAND), ("mention", _MENTION), ("url", _URL)):
        for match in pattern.finditer(text):
            if kind == "mention" and any(
                e["type"] == "bot_command" and _inside(match.start(), e, text) for e in found
            ):
                continue  # the @botname part of /cmd@botname is not a separate mention
            found.append(
                {
                    "type": kind,
                    "offset": utf16_len(text[: match.start()]),
                    "length": utf16_len(match.group(0)),
                }
            )
    found.sort(key=lambda e: e["offset"])
    return found


def _inside(index: int, entity: dict[str, Any], text: str) -> bool:
    offset = utf16_len(text[:index])
    return entity["offset"] <= offset < entity["offset"] + entity["length"]


def message_dict(
    *,
    message_id: int,
    date: int,
    chat: dict[str, Any],
    user: User | None,
    text: str,
    language_code: str | None,
    reply_to: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A Message object from a user, with the entities Telegram would attach."""
    message: dict[str, Any] = {"message_id": message_id, "date": date, "chat": chat}
    if user is not None:
        message["from"] = user.to_dict(language_code)
    message["text"] = text
    entities = text_entities(text)
    if entities:
        message["entities"] = entities
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    return message


def bot_message_dict(
    *,
    bot: dict[str, Any],
    chat: dict[str, Any],
    message_id: int,
    date: int,
    text: str,
    entities: list[dict[str, Any]],
    reply_markup: dict[str, Any] | None,
    link_preview_options: dict[str, Any] | None,
    edit_date: int | None = None,
    thread_id: int | None = None,
) -> dict[str, Any]:
    """The Message object the server returns for a message the bot sent or edited."""
    message: dict[str, Any] = {
        "message_id": message_id,
        "from": bot,
        "chat": chat,
        "date": date,
        "text": text,
    }
    if edit_date is not None:
        message["edit_date"] = edit_date
    if thread_id is not None:
        message["message_thread_id"] = thread_id
        message["is_topic_message"] = True
    if chat.get("type") == "channel":
        message.pop("from")  # channel posts are signed by the channel, not the bot
        message["sender_chat"] = chat
    if entities:
        message["entities"] = entities
    if link_preview_options:
        message["link_preview_options"] = link_preview_options
    if reply_markup and "inline_keyboard" in reply_markup:
        message["reply_markup"] = reply_markup
    return message
