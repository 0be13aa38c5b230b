"""The emulator's state and the API tests use: records, simulated users, faults and waiting."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

from tests.botapi.files import SentDocument, user_document
from tests.botapi.limits import Fault, FaultQueue, RateLimiter, RateLimits
from tests.botapi.records import (
    ApiError,
    CallbackAnswer,
    Edit,
    ErrorRecord,
    InlineAnswer,
    SentMessage,
    User,
    UserAction,
    WebhookDelivery,
    WebhookState,
)
from tests.botapi.updates import chat_dict, default_chat, message_dict
from tests.botapi.waiting import Waiting

T = TypeVar("T")
DEFAULT_TOKEN = "123456:TEST-emulator-token"
BLOCKED = "Forbidden: bot was blocked by the user"
MIGRATED = "Bad Request: group chat was upgraded to a supergroup chat"
# What Telegram answers a bot that may not send to a chat (``{kind}``: channel, group, ...).
NOT_MEMBER = "Forbidden: bot is not a member of the {kind} chat"
KICKED = "Forbidden: bot was kicked from the {kind} chat"
NEED_ADMIN = "Bad Request: need administrator rights in the channel chat"
NO_SEND_RIGHTS = "Bad Request: not enough rights to send text messages to the chat"
THREAD_NOT_FOUND = "Bad Request: message thread not found"
CHAT_NOT_FOUND = "Bad Request: chat not found"
# Rights an administrator has unless a test says otherwise.
ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
}

# A ChatMemberRestricted carries every one of these (all required on the wire); a test turns
# off what it restricts, e.g. can_send_messages.
RESTRICTED_RIGHTS = {
    "is_member": True,
    "until_date": 0,
    **dict.fromkeys(
        (
            "can_send_messages",
            "can_send_audios",
            "can_send_documents",
            "can_send_photos",
            "can_send_videos",
            "can_send_video_notes",
            "can_send_voice_notes",
            "can_send_polls",
            "can_send_other_messages",
            "can_add_web_page_previews",
            "can_change_info",
            "can_invite_users",
            "can_pin_messages",
            "can_manage_topics",
        ),
        True,
    ),
}


class EmulatorState(Waiting):
    """Everything the emulator knows and records, plus the test-facing helpers."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_id: int | None = None,
        bot_username: str = "wenzhai_test_bot",
        bot_name: str = "Wenzhai Test",
        rate_limits: RateLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        record: bool = True,
    ) -> None:
        self.token = token
        self.bot_user: dict[str, Any] = {
            "id": bot_id or int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.clock, self.wall_clock, self.record = clock, wall_clock, record
        self.limiter = RateLimiter(rate_limits or RateLimits(), clock)
        self.faults = FaultQueue()
        self.sent: list[SentMessage] = []
        self.edits: list[Edit] = []
        self.callback_answers: list[CallbackAnswer] = []
        # Files users sent (by file_id) and documents the bot sent (tests/botapi/files.py).
        self.files: dict[str, tuple[str, bytes]] = {}
        self.documents: list[SentDocument] = []
        self.inline_answers: list[InlineAnswer] = []
        self.chat_actions: list[tuple[int, str]] = []
        self.errors: list[ErrorRecord] = []
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.bot_settings: dict[str, Any] = {}
        self.calls: Counter[str] = Counter()
        self.status_counts: Counter[int] = Counter()
        self.sent_count = 0
        self.sent_per_chat: Counter[int] = Counter()
        self.webhook = WebhookState()
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.chats: dict[int, dict[str, Any]] = {}
        # Channels and groups set up by tests: members by chat and user id (ChatMember dicts),
        # public usernames, and the topics of forum supergroups (thread id -> name).
        self.members: dict[int, dict[int, dict[str, Any]]] = {}
        self.usernames: dict[str, int] = {}
        self.topics: dict[int, dict[int, str]] = {}
        self.updates: list[dict[str, Any]] = []
        self.allowed_updates: list[str] | None = None
        self.callback_queries: dict[str, dict[str, Any]] = {}  # open ones, by id
        self.inline_queries: set[str] = set()
        self._by_id: dict[tuple[int, int], SentMessage] = {}
        self._message_ids: dict[int, int] = {}
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._seq = itertools.count(1)
        self._waiters: list[asyncio.Future[None]] = []
        self.update_event = asyncio.Event()
        self.poller: asyncio.Future[str] | None = None

    # ----- configuration -------------------------------------------------------------------
    @property
    def rate_limits(self) -> RateLimits:
        """The flood limits in force; assign a RateLimits to change them at any time."""
        return self.limiter.limits

    @rate_limits.setter
    def rate_limits(self, limits: RateLimits) -> None:
        self.limiter = RateLimiter(limits, self.clock)

    @property
    def count_429(self) -> int:
        """How many 429 answers were served (flood limits and injected)."""
        return self.status_counts[429]

    @property
    def rejections(self) -> list[ErrorRecord]:
        """Errors the bot caused (not injected faults, not 429): invalid HTML, too long, ..."""
        return [e for e in self.errors if not e.injected and e.code != 429]

    # ----- records -------------------------------------------------------------------------
    def next_seq(self) -> int:
        """A sequence number ordering every recorded event and user action."""
        return next(self._seq)

    def next_message_id(self, chat_id: int) -> int:
        """Message ids count up per chat, shared by the user's and the bot's messages."""
        value = self._message_ids.get(chat_id, 0) + 1
        self._message_ids[chat_id] = value
        return value

    def chat(self, chat_id: int) -> dict[str, Any]:
        """The Chat object for an id (made up from the id's sign when never seen)."""
        return self.chats.get(chat_id) or default_chat(chat_id)

    def messages(self, chat_id: int | None = None) -> list[SentMessage]:
        """Messages the bot sent, oldest first; only those to ``chat_id`` when given."""
        if chat_id is None:
            return list(self.sent)
        return [m for m in self.sent if m.chat_id == chat_id]

    def message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """A sent message by its chat and id."""
        return self._by_id.get((chat_id, message_id))

    def add_sent(self, message: SentMessage) -> None:
        """Record a message the bot sent."""
        self.sent_count += 1
        self.sent_per_chat[message.chat_id] += 1
        if self.record:
            self.sent.append(message)
            self._by_id[(message.chat_id, message.message_id)] = message
        self.changed()

    def forget(self, message: SentMessage) -> None:
        """A deleted message: gone from the records and no longer editable."""
        self.sent.remove(message)
        self._by_id.pop((message.chat_id, message.message_id), None)
        self.changed()

    def get_commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        """The commands set for a scope (default scope when None) and language."""
        return self.commands.get((scope_key(scope), language_code), [])

    def reset_records(self) -> None:
        """Forget what was recorded so far (state such as chats and faults is kept)."""
        self.sent.clear()
        self.edits.clear()
        self.callback_answers.clear()
        self.inline_answers.clear()
        self.chat_actions.clear()
        self.errors.clear()
        self.webhook_deliveries.clear()
        self.calls.clear()
        self.status_counts.clear()
        self._by_id.clear()

    # ----- channels, groups, members and forum topics ---------------------------------------
    def add_chat(
        self,
        chat_id: int,
        chat_type: str,
        *,
        title: str | None = None,
        username: str | None = None,
        is_forum: bool = False,
    ) -> dict[str, Any]:
        """Register a channel, group or supergroup (``is_forum``: with topics)."""
        if chat_type not in ("channel", "group", "supergroup"):
            raise ValueError(f"not a channel or group: {chat_type!r}")
        if chat_id >= 0:
            raise ValueError("channel and group ids are negative")
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type, "title": title or str(chat_id)}
        if username:
            chat["username"] = username.lstrip("@")
            self.usernames[username.lstrip("@").lower()] = chat_id
        if is_forum:
            if chat_type != "supergroup":
                raise ValueError("only supergroups have topics")
            chat["is_forum"] = True
            self.topics.setdefault(chat_id, {})
        self.chats[chat_id] = chat
        self.members.setdefault(chat_id, {})
        return chat

    def add_channel(
        self,
        chat_id: int,
        title: str | None = None,
        *,
        username: str | None = None,
        creator: int | None = None,
        admins: tuple[int, ...] = (),
        bot_status: str = "administrator",
        bot_can_post: bool = True,
    ) -> dict[str, Any]:
        """A channel with its creator, administrators and the bot's own membership."""
        chat = self.add_chat(chat_id, "channel", title=title, username=username)
        if creator is not None:
            self.set_member(chat_id, creator, "creator")
        for user_id in admins:
            self.set_member(chat_id, user_id, "administrator", can_post_messages=True)
        self.set_bot_status(chat_id, bot_status, can_post_messages=bot_can_post)
        return chat

    def make_forum(self, chat_id: int, title: str | None = None) -> dict[str, Any]:
        """A supergroup with topics."""
        return self.add_chat(chat_id, "supergroup", title=title, is_forum=True)

    def create_topic(self, chat_id: int, name: str) -> int:
        """A new topic in a forum; its thread id is the id of the message that created it."""
        if not self.chat(chat_id).get("is_forum"):
            raise ValueError(f"chat {chat_id} is not a forum")
        thread_id = self.next_message_id(chat_id)
        self.topics[chat_id][thread_id] = name
        return thread_id

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """The topic is deleted: sending into it answers "message thread not found"."""
        self.topics.get(chat_id, {}).pop(thread_id, None)

    def set_member(self, chat_id: int, user_id: int, status: str, **rights: Any) -> None:
        """A user's ChatMember in a chat: creator, administrator (with ``rights`` such as
        can_post_messages), member, restricted (can_send_messages), left or kicked."""
        known = ("creator", "administrator", "member", "restricted", "left", "kicked")
        if status not in known:
            raise ValueError(f"unknown status {status!r}")
        user = self.bot_user if user_id == self.bot_user["id"] else User(id=user_id).to_dict()
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member |= ADMIN_RIGHTS
            if self.chat(chat_id)["type"] == "channel":
                member |= {"can_post_messages": True, "can_edit_messages": True}
            else:
                member |= {"can_pin_messages": True, "can_manage_topics": True}
        elif status == "restricted":
            member |= RESTRICTED_RIGHTS
        elif status == "kicked":
            member["until_date"] = 0
        member |= rights
        self.members.setdefault(chat_id, {})[user_id] = member

    def set_bot_status(
        self,
        chat_id: int,
        status: str,
        *,
        can_post_messages: bool = True,
        notify: bool = False,
        by: int | None = None,
    ) -> None:
        """The bot's own membership; ``notify`` queues the my_chat_member update (from ``by``)."""
        old = self.member(chat_id, self.bot_user["id"])
        rights = {"can_post_messages": can_post_messages} if status == "administrator" else {}
        if status == "administrator" and self.chat(chat_id)["type"] != "channel":
            rights = {}
        self.set_member(chat_id, self.bot_user["id"], status, **rights)
        if notify:
            body = {
                "chat": self.chat(chat_id),
                "from": User(id=by or 10_001).to_dict(),
                "date": self.now(),
                "old_chat_member": old,
                "new_chat_member": self.member(chat_id, self.bot_user["id"]),
            }
            self.enqueue("my_chat_member", body, chat_id)

    def remove_bot(self, chat_id: int, *, kicked: bool = True, notify: bool = False) -> None:
        """The bot is removed from a channel or group: sending there answers 403 from now on."""
        self.set_bot_status(chat_id, "kicked" if kicked else "left", notify=notify)

    def member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        """The ChatMember of a user: as set, else the bot is a member of groups it was never
        told about (any chat is reachable), and other users have left."""
        found = self.members.get(chat_id, {}).get(user_id)
        if found is not None:
            return found
        is_bot = user_id == self.bot_user["id"]
        user = self.bot_user if is_bot else User(id=user_id).to_dict()
        if chat_id > 0:
            return {"status": "member", "user": user}
        kind = self.chat(chat_id)["type"]
        status = "member" if is_bot and kind != "channel" else "left"
        return {"status": status, "user": user}

    def send_refusal(self, chat_id: int, thread_id: int | None) -> ApiError | None:
        """Why the bot may not send to this chat (and thread) now, as Telegram says it."""
        chat = self.chat(chat_id)
        kind = chat["type"]
        if kind != "private":
            me = self.member(chat_id, self.bot_user["id"])
            status = me["status"]
            if status == "kicked":
                return ApiError(403, KICKED.format(kind=kind))
            if status == "left":
                return ApiError(403, NOT_MEMBER.format(kind=kind))
            if kind == "channel" and not (
                status == "creator" or (status == "administrator" and me.get("can_post_messages"))
            ):
                return ApiError(400, NEED_ADMIN)
            if status == "restricted" and not me.get("can_send_messages", True):
                return ApiError(400, NO_SEND_RIGHTS)
        if thread_id is not None and thread_id not in self.topics.get(chat_id, {}):
            return ApiError(400, THREAD_NOT_FOUND)
        return None

    def resolve_chat(self, value: Any) -> int:
        """A chat_id parameter as an id: a number, or a known public @username."""
        if isinstance(value, str) and value.startswith("@"):
            found = self.usernames.get(value[1:].lower())
            if found is None:
                raise ApiError(400, CHAT_NOT_FOUND)
            return found
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(400, CHAT_NOT_FOUND) from None

    def channel_post(self, chat_id: int, text: str) -> UserAction:
        """A post in a channel, as the bot (an administrator there) receives it."""
        chat = self.chat(chat_id)
        body = message_dict(
            message_id=self.next_message_id(chat_id),
            date=self.now(),
            chat=chat,
            user=None,
            text=text,
            language_code=None,
        )
        body["sender_chat"] = chat
        return self.enqueue("channel_post", body, chat_id)

    def forward_post(
        self, chat_id: int, channel_id: int, text: str, *, user: User | None = None
    ) -> UserAction:
        """A user forwards a channel's post into a private chat with the bot."""
        user = user or User(id=chat_id)
        self.unblock(chat_id)
        chat = chat_dict(chat_id, "private", user, None)
        self.chats[chat_id] = chat
        body = message_dict(
            message_id=self.next_message_id(chat_id),
            date=self.now(),
            chat=chat,
            user=user,
            text=text,
            language_code=None,
        )
        body["forward_origin"] = {
            "type": "channel",
            "chat": self.chat(channel_id),
            "message_id": self.next_message_id(channel_id),
            "date": self.now(),
        }
        return self.enqueue("message", body, chat_id)

    # ----- faults --------------------------------------------------------------------------
    def block(self, chat_id: int, *, notify: bool = False) -> None:
        """The user blocks the bot: every call for this chat answers 403 until unblocked."""
        self.unblock(chat_id)
        self.faults.add(Fault(403, BLOCKED, chat_id=chat_id, times=None))
        if notify:
            self._member_update(chat_id, "member", "kicked")

    def unblock(self, chat_id: int, *, notify: bool = False) -> None:
        """The user unblocks the bot (writing to it again does this too)."""
        self.faults.remove(lambda f: f.chat_id == chat_id and f.code == 403 and f.times is None)
        if notify:
            self._member_update(chat_id, "kicked", "member")

    def migrate(self, chat_id: int, new_chat_id: int, *, notify: bool = False) -> None:
        """The group becomes a supergroup: calls for it answer 400 with migrate_to_chat_id."""
        params = {"migrate_to_chat_id": new_chat_id}
        self.faults.add(Fault(400, MIGRATED, params, chat_id=chat_id, times=None))
        if notify:
            old = self.chat(chat_id)
            self.enqueue(
                "message",
                {
                    "message_id": self.next_message_id(chat_id),
                    "date": self.now(),
                    "chat": old,
                    "migrate_to_chat_id": new_chat_id,
                },
                chat_id,
            )

    def fail(
        self,
        status: int = 502,
        description: str = "Bad Gateway",
        *,
        times: int | None = 1,
        chat_id: int | None = None,
        method: str | None = None,
        parameters: dict[str, Any] | None = None,
    ) -> Fault:
        """Answer the next ``times`` matching calls with this error (None: until removed)."""
        name = method.lower() if method else None
        return self.faults.add(Fault(status, description, parameters, chat_id, name, times))

    def throttle(
        self,
        retry_after: int,
        *,
        times: int = 1,
        chat_id: int | None = None,
        method: str | None = None,
    ) -> Fault:
        """Answer the next matching calls with 429 and this retry_after."""
        description = f"Too Many Requests: retry after {retry_after}"
        return self.fail(
            429,
            description,
            times=times,
            chat_id=chat_id,
            method=method,
            parameters={"retry_after": retry_after},
        )

    def drop_connection(
        self, *, times: int = 1, chat_id: int | None = None, method: str | None = None
    ) -> Fault:
        """Close the connection without an answer for the next matching calls."""
        fault = self.fail(0, "connection dropped", times=times, chat_id=chat_id, method=method)
        fault.drop_connection = True
        return fault

    # ----- users ---------------------------------------------------------------------------
    def now(self) -> int:
        """Unix time for message dates."""
        return int(self.wall_clock())

    def enqueue(self, kind: str, body: dict[str, Any], chat_id: int | None) -> UserAction:
        """Queue a raw update of the given kind (e.g. "message", "my_chat_member")."""
        update = {"update_id": next(self._update_ids), kind: body}
        self.updates.append(update)
        action = UserAction(update, self.next_seq(), chat_id, kind)
        self.update_event.set()
        if self.poller is not None and not self.poller.done():
            self.poller.set_result("wake")
        self.changed()
        return action

    def user_message(
        self,
        chat_id: int,
        text: str,
        *,
        user: User | None = None,
        chat_type: str = "private",
        language_code: str | None = None,
        title: str | None = None,
        reply_to: SentMessage | None = None,
        thread_id: int | None = None,
    ) -> UserAction:
        """A user writes ``text`` in a chat; returns the queued action (see ``replies``).

        ``thread_id``: a topic of a forum supergroup (see ``make_forum``, ``create_topic``).
        """
        if user is None:
            user = User(id=chat_id) if chat_type == "private" else User(id=10_001)
        if chat_type not in ("private", "group", "supergroup"):
            raise ValueError(f"unknown chat_type {chat_type!r}")
        if chat_type == "private":
            self.unblock(chat_id)  # a user who writes has unblocked the bot
        chat = chat_dict(chat_id, chat_type, user, title)
        known = self.chats.get(chat_id)
        if known is not None and known["type"] == chat_type:
            # A registered group keeps what tests set up (username, forum), title unless given.
            chat = {**known, **({"title": title} if title else {})}
        self.chats[chat_id] = chat
        if thread_id is not None and thread_id not in self.topics.get(chat_id, {}):
            raise ValueError(f"no topic {thread_id} in chat {chat_id}")
        reply = None
        if reply_to is not None:
            reply = self.message_object(reply_to)
        body = message_dict(
            message_id=self.next_message_id(chat_id),
            date=self.now(),
            chat=chat,
            user=user,
            text=text,
            language_code=language_code,
            reply_to=reply,
        )
        if thread_id is not None:
            body["message_thread_id"] = thread_id
            body["is_topic_message"] = True
        return self.enqueue("message", body, chat_id)

    def user_document(self, chat_id: int, filename: str, body: bytes, **options: Any) -> UserAction:
        """A user sends a file (see tests.botapi.files.user_document for the options)."""
        if options.get("chat_type", "private") == "private":
            self.unblock(chat_id)
        return user_document(self, chat_id, filename, body, **options)

    def click(
        self,
        message: SentMessage,
        callback_data: str | None = None,
        *,
        text: str | None = None,
        user: User | None = None,
        check: bool = True,
    ) -> UserAction:
        """A user presses a button (by callback_data or button text) under a bot message.

        With check=False any callback_data is sent, as a forged or stale client would.
        """
        if text is not None:
            found = [b for b in message.buttons if b.get("text") == text]
            if not found or "callback_data" not in found[0]:
                raise ValueError(f"no callback button {text!r} in {message.buttons}")
            callback_data = found[0]["callback_data"]
        if callback_data is None:
            raise ValueError("give callback_data or text")
        if check and callback_data not in [b.get("callback_data") for b in message.buttons]:
            raise ValueError(f"no button with callback_data {callback_data!r}: {message.buttons}")
        if user is None:
            user = User(id=message.chat_id) if message.chat_id > 0 else User(id=10_001)
        query_id = f"cq{next(self._query_ids)}"
        body = {
            "id": query_id,
            "from": user.to_dict(),
            "message": self.message_object(message),
            "chat_instance": f"ci{message.chat_id}",
            "data": callback_data,
        }
        self.callback_queries[query_id] = body
        return self.enqueue("callback_query", body, message.chat_id)

    def inline_query(
        self,
        query: str,
        *,
        user: User | None = None,
        offset: str = "",
        chat_type: str | None = "private",
    ) -> UserAction:
        """A user types ``@bot query`` in some chat."""
        user = user or User(id=20_001)
        query_id = f"iq{next(self._query_ids)}"
        body: dict[str, Any] = {
            "id": query_id,
            "from": user.to_dict(),
            "query": query,
            "offset": offset,
        }
        if chat_type:
            body["chat_type"] = chat_type
        self.inline_queries.add(query_id)
        return self.enqueue("inline_query", body, None)

    def message_object(self, message: SentMessage) -> dict[str, Any]:
        """A bot message as Telegram embeds it in an update (current text and keyboard)."""
        from tests.botapi.updates import bot_message_dict

        last_edit = message.edits[-1] if message.edits else None
        return bot_message_dict(
            bot=self.bot_user,
            chat=self.chat(message.chat_id),
            message_id=message.message_id,
            date=message.date,
            text=message.text,
            entities=message.entities,
            reply_markup=message.reply_markup,
            link_preview_options=message.link_preview_options,
            edit_date=int(last_edit.at) if last_edit else None,
            thread_id=message.thread_id,
        )

    def _member_update(self, chat_id: int, old: str, new: str) -> None:
        user = User(id=chat_id)
        new_member: dict[str, Any] = {"user": self.bot_user, "status": new}
        if new == "kicked":
            new_member["until_date"] = 0
        body = {
            "chat": self.chat(chat_id),
            "from": user.to_dict(),
            "date": self.now(),
            "old_chat_member": {"user": self.bot_user, "status": old},
            "new_chat_member": new_member,
        }
        self.enqueue("my_chat_member", body, chat_id)


def scope_key(scope: dict[str, Any] | None) -> str:
    """A stable key for a BotCommandScope object."""
    if not scope:
        return "default"
    parts = [str(scope.get("type", "default"))]
    for key in ("chat_id", "user_id"):
        if key in scope:
            parts.append(f"{key}={scope[key]}")
    return ":".join(parts)
