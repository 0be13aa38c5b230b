"""A Telegram Bot API server emulator on loopback, for end-to-end tests of the bot.

Speaks the Bot API as python-telegram-bot 22 sends it (``/bot<token>/<method>``, form, multipart
or JSON bodies; ``{"ok": ...}`` answers with Telegram's status codes and descriptions).

Enforced, as Telegram does:
- token (401 Unauthorized), unknown method (404 Not Found);
- message text 1..4096 UTF-16 code units after entity parsing and trimming; empty text;
- HTML parse mode: supported tags only (b strong i em u ins s strike del a code pre blockquote
  [expandable] tg-spoiler span.tg-spoiler tg-emoji), matched nesting, no unclosed tags, entities
  &lt; &gt; &amp; &quot; and numeric only -> 400 "Bad Request: can't parse entities: ...";
- inline keyboards: callback_data 1..64 UTF-8 bytes (BUTTON_DATA_INVALID), one action per
  button, non-empty text, at most 100 buttons, http(s)/tg button URLs;
- answerInlineQuery: at most 50 results (RESULTS_TOO_MUCH), unique ids, article titles, each
  input_message_content text checked like a message; a query is answered once;
- answerCallbackQuery: once per query, text at most 200 characters;
- editMessageText / editMessageReplyMarkup: "message to edit not found", "message is not
  modified";
- setMyCommands: command names [a-z0-9_]{1,32}, descriptions 1..256, language codes of two
  letters; commands kept per scope and language;
- getUpdates: offset confirmation, limit, long polling woken by new updates, 409 while a
  webhook is set, 409 "terminated by other getUpdates request" for the older of two polls;
- setWebhook: the emulator POSTs updates with X-Telegram-Bot-Api-Secret-Token and retries
  until the webhook answers 2xx;
- flood limits when switched on (RateLimits): global per second, per chat, per group per minute
  (channels count as groups) -> 429 "Too Many Requests: retry after N" with
  parameters.retry_after;
- channels and groups set up by tests: getChatMember answers each member's status and rights,
  sendMessage answers 403 "bot was kicked from the channel chat" / "bot is not a member of ..."
  once the bot was removed, 400 "need administrator rights in the channel chat" without the
  right to post; getChat/getChatMember answer "chat not found" for unknown @usernames and
  unseen groups;
- forum supergroups: messages in a topic carry message_thread_id and is_topic_message; a send
  with a message_thread_id that is not a topic of that forum answers "message thread not found".

Simplified:
- a bare "&" that is not an entity is refused (the real server keeps it as text; the Bot API
  docs require escaping it); a bare ">" is accepted, as on Telegram;
- Markdown and MarkdownV2 are refused with 400 (the bot uses HTML);
- any chat id is reachable by sendMessage (no "chat not found", no "bot can't initiate
  conversation"); the bot is a member of every group no test configured;
- webhook URLs may be http (loopback), updates go out one at a time;
- only sendMessage counts against flood limits; inline messages cannot be edited;
- users who write in a private chat implicitly unblock the bot;
- every group message is delivered to the bot (as with privacy mode off), so a bot that must
  ignore chatter is tested the hard way.
"""

from tests.botapi.emulator import DEFAULT_TOKEN
from tests.botapi.html import HtmlError, parse_html, utf16_len
from tests.botapi.limits import Fault, RateLimits
from tests.botapi.records import (
    CallbackAnswer,
    Edit,
    ErrorRecord,
    InlineAnswer,
    SentMessage,
    User,
    UserAction,
    WebhookDelivery,
)
from tests.botapi.server import BotApiEmulator

__all__ = [
    "DEFAULT_TOKEN",
    "BotApiEmulator",
    "CallbackAnswer",
    "Edit",
    "ErrorRecord",
    "Fault",
    "HtmlError",
    "InlineAnswer",
    "RateLimits",
    "SentMessage",
    "User",
    "UserAction",
    "WebhookDelivery",
    "parse_html",
    "utf16_len",
]
