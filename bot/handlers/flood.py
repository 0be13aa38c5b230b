"""Flood control: one sender cannot spend the bot's replies (about 30 a second) on itself.

Every user, and every group as a whole, has a token bucket: ``burst`` messages at once, then
``rate`` a second. Past that the bot answers once that they are going too fast and drops the
rest without a word until the bucket has filled again; a pressed button is answered (so it stops
spinning) but not acted on. Checking is a dictionary lookup, so a flood from one user costs the
others nothing. Admins are never throttled. Inline queries are not counted: they cost no
message, and Telegram's clients already pace them as the user types.

It runs as a TypeHandler in an early group (``FLOOD_GROUP``) that raises ApplicationHandlerStop
for an update it drops, so no handler has to know about it.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass
from typing import Any, Literal

from telegram import Message, MessageEntity, Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.handlers.context import BotContext, user_language
from bot.handlers.replies import answer
from bot.i18n import plain, text

FLOOD_GROUP = -1
# Senders remembered at most; past it the least recently seen is forgotten (its bucket would
# start full again, which only ever lets a message more through).
MAX_SENDERS = 100_000

Verdict = Literal["pass", "warn", "drop"]


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float
    warned: bool = False


class FloodGate:
    """Token buckets by sender key; memory bounded by ``max_senders`` and idle eviction."""

    def __init__(
        self,
        *,
        burst: int,
        rate: float,
        max_senders: int = MAX_SENDERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.rate = rate
        self._max = max_senders
        self._clock = clock
        self._buckets: OrderedDict[Hashable, _Bucket] = OrderedDict()
        # A bucket untouched this long is full again: the same as no bucket at all.
        self._idle = burst / rate

    def __len__(self) -> int:
        return len(self._buckets)

    def check(self, *keys: Hashable) -> Verdict:
        """Spend a token from every key's bucket: "pass", else "warn" once per flood, "drop"."""
        now = self._clock()
        self._evict_idle(now)
        buckets = [self._bucket(key, now) for key in keys]
        empty = [bucket for bucket in buckets if bucket.tokens < 1]
        if not empty:
            for bucket in buckets:
                bucket.tokens -= 1
            return "pass"
        verdict: Verdict = "drop" if all(bucket.warned for bucket in empty) else "warn"
        for bucket in empty:
            bucket.warned = True
        return verdict

    def _bucket(self, key: Hashable, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
            while len(self._buckets) > self._max:
                self._buckets.popitem(last=False)
            return bucket
        self._buckets.move_to_end(key)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= self.burst:
            bucket.warned = False  # the flood is over: the next one gets its notice
        return bucket

    def _evict_idle(self, now: float) -> None:
        # Least recently used first: stop at the first bucket still refilling.
        while self._buckets:
            key, bucket = next(iter(self._buckets.items()))
            if now - bucket.at < self._idle:
                return
            del self._buckets[key]


def _addressed_in_group(message: Message, username: str | None, bot_id: int) -> bool:
    """A command (bare or for this bot), a mention of the bot or a reply to it."""
    handle = f"@{username or ''}".lower()
    for entity, value in message.parse_entities().items():
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            _, at, target = value.partition("@")
            return not at or f"@{target}".lower() == handle
        if entity.type == MessageEntity.MENTION and value.lower() == handle:
            return True
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot_id)


class FloodControl:
    """The TypeHandler callback: counts what costs a reply, stops what is over the limit."""

    def __init__(self, gate: FloodGate, *, admin_ids: Collection[int]) -> None:
        self.gate = gate
        self._admins = frozenset(admin_ids)

    def _senders(self, update: Update, context: BotContext) -> tuple[Hashable, ...]:
        """The buckets an update draws from; none for what the bot does not answer."""
        user = update.effective_user
        if user is None or user.id in self._admins or update.inline_query is not None:
            return ()
        chat = update.effective_chat
        group = chat is not None and chat.type != "private"
        if update.callback_query is None:
            message = update.message
            if message is None or message.text is None:
                return ()
            if group and not _addressed_in_group(message, context.bot.username, context.bot.id):
                return ()  # chatter the bot ignores costs nothing
        keys: tuple[Hashable, ...] = (("user", user.id),)
        if group and chat is not None:
            keys += (("chat", chat.id),)
        return keys

    async def __call__(self, update: object, context: BotContext) -> None:
        """Let the update through, or answer the first one over the limit and drop it."""
        if not isinstance(update, Update):
            return
        keys = self._senders(update, context)
        if not keys:
            return
        verdict = self.gate.check(*keys)
        if verdict == "pass":
            return
        language = user_language(update)
        if update.callback_query is not None:
            # Answering costs no message and stops the button's spinner.
            await update.callback_query.answer(plain(language, "too_fast"))
        elif verdict == "warn":
            await answer(update, context.bot, text(language, "too_fast"))
        raise ApplicationHandlerStop


def flood_handler(
    *, burst: int, rate: float, admin_ids: Collection[int]
) -> TypeHandler[Update, BotContext, Any]:
    """The handler to add in ``FLOOD_GROUP``, before every other handler."""
    control = FloodControl(FloodGate(burst=burst, rate=rate), admin_ids=admin_ids)
    return TypeHandler(Update, control)
