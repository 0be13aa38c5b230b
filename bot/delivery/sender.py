"""Sending one message part: paced, retried on floods, network errors and 5xx, then given up.

What cannot succeed by retrying is raised as a small exception the push understands:
``ChatBlocked`` (403, or the chat is gone), ``ChatMoved`` (a group became a supergroup) and
``SendFailed`` (retries used up, or a request Telegram refuses). Never an endless loop.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.delivery.pacer import SendPacer, Sleep

log = logging.getLogger(__name__)

# Sent as given: no preview cards under a digest of links.
_NO_PREVIEW = {"is_disabled": True}
_GONE = (
    "chat not found",
    "user is deactivated",
    "bot was kicked",
    "group chat was deleted",
    # The bot may no longer post there (demoted in a channel, muted in a group), or the forum
    # topic was deleted: retrying cannot help until someone changes that.
    "need administrator rights",
    "not enough rights",
    "message thread not found",
)


class ChatBlocked(Exception):
    """The chat blocked the bot, removed it, or no longer exists."""


class ChatMoved(Exception):
    """The group migrated to a supergroup with another id."""

    def __init__(self, new_chat_id: int) -> None:
        super().__init__(f"migrated to {new_chat_id}")
        self.new_chat_id = new_chat_id


class SendFailed(Exception):
    """Retries are used up, or Telegram refused the request: try again at a later tick."""


class BotUnauthorized(Exception):
    """The token is wrong: no send can succeed, the whole tick stops."""


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one message is tried before the chat is left for the next tick."""

    network_retries: int = 3  # network errors and 5xx
    backoff_seconds: float = 1.0  # doubled after each failure
    flood_retries: int = 8  # 429 answers for one message


def retry_after_seconds(exc: RetryAfter) -> float:
    """A 429's retry_after in seconds, whichever type this PTB version returns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class MessageSender:
    """Sends HTML message parts through a ``telegram.Bot`` within the pacer's limits.

    A part goes through the bot's own request path (its defaults, its rate limiter when it is
    an ExtBot with one, PTB's mapping of error answers to exceptions) but the answer is read
    as the plain JSON result: only its ``message_id`` is needed, and building a
    ``telegram.Message`` for each of thousands of parts cost more than the request itself.
    """

    def __init__(
        self, bot: Bot, pacer: SendPacer, *, sleep: Sleep, policy: RetryPolicy | None = None
    ) -> None:
        self.bot = bot
        self.pacer = pacer
        self.sleep = sleep
        self.policy = policy or RetryPolicy()
        self.floods = 0  # 429 answers received
        self.network_errors = 0

    async def send(self, chat_id: int, text: str, thread_id: int | None = None) -> int:
        """Send one part (into a forum topic when ``thread_id`` is given); returns its message
        id or raises one of this module's errors. Topics share their group's flood limits."""
        failures = floods = 0
        while True:
            await self.pacer.wait_turn(chat_id)
            try:
                return await self._post_message(chat_id, text, thread_id)
            except RetryAfter as exc:
                self.floods += 1
                floods += 1
                wait = retry_after_seconds(exc)
                log.warning("429 from Telegram: pausing all sends for %.0f s", wait)
                self.pacer.pause(wait)
                if floods > self.policy.flood_retries:
                    raise SendFailed(f"flood control: {exc}") from exc
            except ChatMigrated as exc:
                raise ChatMoved(int(exc.new_chat_id)) from exc
            except Forbidden as exc:
                raise ChatBlocked(str(exc)) from exc
            except InvalidToken as exc:
                raise BotUnauthorized(str(exc)) from exc
            except BadRequest as exc:
                if any(marker in str(exc).lower() for marker in _GONE):
                    raise ChatBlocked(str(exc)) from exc
                raise SendFailed(f"refused: {exc}") from exc
            except NetworkError as exc:  # also TimedOut and 5xx answers
                self.network_errors += 1
                failures += 1
                if failures > self.policy.network_retries:
                    raise SendFailed(f"network: {exc}") from exc
                await self.sleep(self.policy.backoff_seconds * 2 ** (failures - 1))
            except TelegramError as exc:
                raise SendFailed(f"telegram: {exc}") from exc

    async def _post_message(self, chat_id: int, text: str, thread_id: int | None = None) -> int:
        data: dict[str, Any] = {
            "chat_id": chat_id,
            "text": text,
            "parse_mode": ParseMode.HTML.value,
            "link_preview_options": _NO_PREVIEW,
        }
        if thread_id is not None:
            data["message_thread_id"] = thread_id
        # Bot._post is what Bot.send_message calls, without turning the answer into a Message;
        # it raises the same telegram.error exceptions for error answers.
        result = await self.bot._post("sendMessage", data)
        try:
            return int(result["message_id"])
        except (TypeError, KeyError, ValueError) as exc:
            raise SendFailed(f"unexpected answer to sendMessage: {result!r:.200}") from exc
