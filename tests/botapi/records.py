"""What the emulator records: messages the bot sent, edits, answers, errors, and simulated users."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, description and optional parameters."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def bad_request(reason: str) -> ApiError:
    """A 400 answer with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {reason}")


@dataclass(frozen=True)
class User:
    """A simulated Telegram user."""

    id: int
    first_name: str = "Test"
    username: str | None = None
    language_code: str | None = "zh-hans"
    last_name: str | None = None

    def to_dict(self, language_code: str | None = None) -> dict[str, Any]:
        """The User object as Telegram sends it."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        lang = language_code if language_code is not None else self.language_code
        if lang:
            data["language_code"] = lang
        return data


@dataclass
class Edit:
    """One accepted editMessageText / editMessageReplyMarkup call."""

    chat_id: int
    message_id: int
    kind: str  # "text" or "reply_markup"
    text: str | None
    raw_text: str | None
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    at: float
    seq: int


@dataclass
class SentMessage:
    """A message the bot sent; text and reply_markup follow later edits (see ``edits``)."""

    chat_id: int
    message_id: int
    text: str  # plain text after entity parsing, as the user sees it
    raw_text: str  # the text exactly as the bot sent it
    parse_mode: str | None
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    link_preview_options: dict[str, Any] | None
    params: dict[str, Any]  # every other parameter of the call, decoded
    date: int
    at: float  # emulator clock (monotonic by default) when accepted
    seq: int
    method: str = "sendMessage"
    edits: list[Edit] = field(default_factory=list)
    inline_message_id: str | None = None
    thread_id: int | None = None  # the forum topic it was sent to (message_thread_id)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """All inline keyboard buttons, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    @property
    def link_preview_disabled(self) -> bool:
        """True when the bot asked for no link preview (either API form)."""
        if self.link_preview_options and self.link_preview_options.get("is_disabled"):
            return True
        return bool(self.params.get("disable_web_page_preview"))


@dataclass
class CallbackAnswer:
    """One answerCallbackQuery call."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None
    at: float
    seq: int


@dataclass
class InlineAnswer:
    """One answerInlineQuery call; results are as sent, each text also parsed into ``texts``."""

    inline_query_id: str
    results: list[dict[str, Any]]
    texts: list[str]
    next_offset: str | None
    cache_time: int | None
    is_personal: bool
    button: dict[str, Any] | None
    at: float
    seq: int


@dataclass
class ErrorRecord:
    """An error answer the emulator served; ``injected`` when it came from a fault."""

    method: str
    chat_id: int | None
    code: int
    description: str
    parameters: dict[str, Any] | None
    injected: bool
    params: dict[str, Any]
    at: float
    seq: int


@dataclass
class UserAction:
    """An update the tests enqueued (message, click or inline query)."""

    update: dict[str, Any]
    seq: int
    chat_id: int | None
    kind: str  # "message", "callback_query", "inline_query", ...

    @property
    def update_id(self) -> int:
        """The update's id."""
        return int(self.update["update_id"])

    @property
    def query_id(self) -> str | None:
        """The callback or inline query id, for matching the bot's answer."""
        body = self.update.get(self.kind)
        return str(body["id"]) if isinstance(body, dict) and "id" in body else None


@dataclass
class WebhookDelivery:
    """One POST of an update to the bot's webhook and its outcome."""

    update_id: int
    status: int | None  # None when the connection failed
    error: str | None
    at: float


@dataclass
class WebhookState:
    """What setWebhook configured; url "" means polling mode."""

    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None
