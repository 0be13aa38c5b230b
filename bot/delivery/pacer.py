"""Pacing sends within Telegram's flood limits: overall, per chat and per group.

Telegram (and the emulator) count messages in a sliding window: at most N in any second. The
pacer keeps the actual times it let messages go, and lets the next one go only when both the
even spacing (1/rate) and the window allow it; a sender the event loop woke late is recorded
late, so lateness never squeezes more than N into a window. A 429 pauses every sender until
its retry_after has passed. The clock and sleep are injected: tests run schedules without
waiting.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]  # seconds, monotonic enough
Sleep = Callable[[float], Awaitable[None]]

PER_CHAT_INTERVAL = 1.0  # about one message per second to one chat
PER_GROUP_INTERVAL = 3.0  # 20 messages per minute to one group
# Slack for the time between letting a message go and Telegram counting it (HTTP, the loop).
SAFETY = 0.97
# After a 429 the pace slows by this factor (up to MAX_SLOWDOWN) and recovers by RECOVERY
# every RECOVER_AFTER messages without one: a busy machine or network that delays some
# messages finds its own safe pace instead of meeting 429 after 429.
SLOWDOWN = 1.05
MAX_SLOWDOWN = 1.5
RECOVERY = 0.99
RECOVER_AFTER = 2000
# Waits shorter than this are not worth a sleep (and a coarse clock might never pass them).
_EPSILON = 0.001
_PRUNE_EVERY = 4096


class SendPacer:
    """Hands out send turns: ``rate`` per second overall, about one per second per chat."""

    def __init__(self, *, rate_per_second: float, clock: Clock, sleep: Sleep) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self.base_interval = 1.0 / (rate_per_second * SAFETY)
        self.slowdown = 1.0
        self.clock = clock
        self.sleep = sleep
        self._recent: deque[float] = deque(maxlen=max(1, int(rate_per_second)))
        self._next_global = 0.0
        self._next_chat: dict[int, float] = {}
        self._paused_until = 0.0
        self._turn = asyncio.Lock()
        self._granted = 0
        self._since_pause = 0
        self.pauses = 0

    async def wait_turn(self, chat_id: int) -> None:
        """Wait until ``chat_id`` may receive a message without breaking a limit."""
        # The chat's own spacing is waited for outside the lock, so a group's 3-s gap never
        # holds up the other chats.
        while (wait := self._next_chat.get(chat_id, 0.0) - self.clock()) > _EPSILON:
            await self.sleep(wait)
        async with self._turn:
            while (wait := self._global_slot() - self.clock()) > _EPSILON:
                await self.sleep(wait)
            now = self.clock()
            self._recent.append(now)
            self._next_global = now + self.base_interval * self.slowdown
            self._next_chat[chat_id] = now + (
                PER_GROUP_INTERVAL if chat_id < 0 else PER_CHAT_INTERVAL
            )
            self._prune(now)

    def _global_slot(self) -> float:
        slot = max(self._next_global, self._paused_until)
        if len(self._recent) == self._recent.maxlen:
            slot = max(slot, self._recent[0] + self.slowdown / SAFETY)
        return slot

    def pause(self, seconds: float) -> None:
        """Stop every sender for ``seconds`` (a 429's retry_after)."""
        until = self.clock() + max(0.0, seconds)
        if until > self._paused_until:
            self._paused_until = until
            self.pauses += 1
            self.slowdown = min(MAX_SLOWDOWN, self.slowdown * SLOWDOWN)
            self._since_pause = 0

    def _prune(self, now: float) -> None:
        self._since_pause += 1
        if self._since_pause % RECOVER_AFTER == 0:
            self.slowdown = max(1.0, self.slowdown * RECOVERY)
        # Forget chats whose gap has passed, so memory follows the chats in flight, not all.
        self._granted += 1
        if self._granted % _PRUNE_EVERY == 0:
            self._next_chat = {c: t for c, t in self._next_chat.items() if t > now}
