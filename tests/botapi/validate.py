"""The checks Telegram makes on what a bot sends: text, parse mode, keyboards, inline results."""

from __future__ import annotations

import re
from typing import Any

from tests.botapi.html import HtmlError, parse_html, utf16_len
from tests.botapi.records import bad_request

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_INLINE_RESULTS = 50
MAX_BUTTONS = 100
# Telegram trims these from both ends of a message before counting its length.
_TRIM = (
    " \t\n\r\f\v\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u200b\u200c\u200d\u200e\u200f\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_BUTTON_KINDS = (
    "url",
    "callback_data",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "web_app",
    "login_url",
    "callback_game",
    "pay",
    "copy_text",
)


def parse_text(
    text: str | None, parse_mode: str | None, *, limit: int = MAX_TEXT, what: str = "message"
) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, entities) as Telegram would store them, or raise ApiError(400)."""
    if text is None or text == "":
        raise bad_request(f"{what} text is empty")
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            plain, entities = parse_html(text)
        except HtmlError as err:
            raise bad_request(f"can't parse entities: {err}") from None
    elif mode in ("markdown", "markdownv2"):
        # Simplification: the emulator does not implement Markdown; the bot uses HTML.
        raise bad_request(f"can't parse entities: {parse_mode} is not supported by the emulator")
    elif mode == "":
        plain, entities = text, []
    else:
        raise bad_request("unsupported parse_mode")
    plain, entities = _trim(plain, entities)
    if not plain:
        raise bad_request(f"{what} text is empty")
    if utf16_len(plain) > limit:
        raise bad_request(f"{what} is too long")
    return plain, entities


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    stripped = text.lstrip(_TRIM)
    shift = utf16_len(text) - utf16_len(stripped)
    stripped = stripped.rstrip(_TRIM)
    size = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, size)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def check_reply_markup(markup: Any) -> None:
    """Validate a reply_markup object (inline keyboard rules; other kinds shallowly)."""
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array')
    elif not ({"remove_keyboard", "force_reply"} & markup.keys()):
        raise bad_request('can\'t find field "inline_keyboard"')


def _check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    for row in rows:
        for button in row:
            _check_button(button)


def _check_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    if not str(button.get("text", "")).strip():
        raise bad_request("BUTTON_TEXT_EMPTY")
    kinds = [kind for kind in _BUTTON_KINDS if kind in button]
    if len(kinds) != 1:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"(https?|tg)://\S+$", url):
            raise bad_request("BUTTON_URL_INVALID")


def check_inline_results(results: Any) -> list[str]:
    """Validate answerInlineQuery results; return each result's parsed message text."""
    if not isinstance(results, list):
        raise bad_request("can't parse inline query results JSON object")
    if len(results) > MAX_INLINE_RESULTS:
        raise bad_request("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    texts = []
    for result in results:
        if not isinstance(result, dict):
            raise bad_request("can't parse InlineQueryResult: must be an Object")
        result_id = str(result.get("id", ""))
        if not 1 <= len(result_id.encode("utf-8")) <= 64:
            raise bad_request("RESULT_ID_INVALID")
        if result_id in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        if result.get("type") == "article" and not str(result.get("title", "")).strip():
            raise bad_request("RESULT_TITLE_EMPTY")
        content = result.get("input_message_content")
        if result.get("type") == "article" and not isinstance(content, dict):
            raise bad_request("can't parse InlineQueryResult: input_message_content is missing")
        check_reply_markup(result.get("reply_markup"))
        if isinstance(content, dict) and "message_text" in content:
            plain, _ = parse_text(content.get("message_text"), content.get("parse_mode"))
            texts.append(plain)
    return texts


def check_commands(commands: Any) -> list[dict[str, str]]:
    """Validate setMyCommands' list of BotCommand objects."""
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    checked = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand: must be an Object")
        name = str(command.get("command", ""))
        description = str(command.get("description", ""))
        if not _COMMAND.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description.strip()) <= 256:
            raise bad_request("command description is empty or too long")
        checked.append({"command": name, "description": description})
    return checked


def check_language_code(code: str | None) -> str:
    """setMyCommands' language_code: empty or a two-letter ISO 639-1 code."""
    code = code or ""
    if code and not re.fullmatch(r"[a-z]{2}", code):
        raise bad_request("invalid language code specified")
    return code
