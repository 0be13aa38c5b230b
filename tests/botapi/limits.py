"""Flood limits (429 with retry_after) and injected faults, both decided before a method runs."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.botapi.records import ApiError

# Methods that send a new message count against the flood limits, as on Telegram.
SENDING_METHODS = frozenset({"sendmessage", "sendphoto", "senddocument", "copymessage"})


@dataclass
class RateLimits:
    """Flood limits; None switches a limit off. All off by default."""

    global_per_second: float | None = None  # Telegram: about 30
    per_chat_per_second: float | None = None  # Telegram: about 1
    per_group_per_minute: int | None = None  # Telegram: 20

    @classmethod
    def telegram(cls) -> RateLimits:
        """The limits Telegram documents for ordinary bots."""
        return cls(global_per_second=30, per_chat_per_second=1, per_group_per_minute=20)


def too_many(retry_after: int) -> ApiError:
    """Telegram's 429 answer."""
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


class _Window:
    """A sliding window: at most ``limit`` events in any ``span`` seconds."""

    def __init__(self, limit: int, span: float) -> None:
        self.limit, self.span = limit, span
        self.times: deque[float] = deque()

    def wait(self, now: float) -> float:
        while self.times and self.times[0] <= now - self.span:
            self.times.popleft()
        if len(self.times) < self.limit:
            return 0.0
        return self.times[0] + self.span - now

    def add(self, now: float) -> None:
        self.times.append(now)


class RateLimiter:
    """Decides whether a sending call is over a limit; counts only accepted calls."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float]) -> None:
        self.limits = limits
        self.clock = clock
        self._global: _Window | None = None
        self._chats: dict[int, _Window] = {}
        self._groups: dict[int, _Window] = {}

    def check(self, chat_id: int | None) -> None:
        """Raise a 429 ApiError when this send would break a limit, else count it."""
        now = self.clock()
        windows = self._windows(chat_id)
        wait = max((w.wait(now) for w in windows), default=0.0)
        if wait > 0:
            raise too_many(max(1, math.ceil(wait)))
        for window in windows:
            window.add(now)

    def _windows(self, chat_id: int | None) -> list[_Window]:
        limits, windows = self.limits, []
        if limits.global_per_second:
            # A one-second window of N events allows short bursts, as Telegram does.
            if self._global is None or self._global.limit != _count(limits.global_per_second):
                self._global = _Window(_count(limits.global_per_second), 1.0)
            windows.append(self._global)
        if chat_id is not None and limits.per_chat_per_second:
            rate = limits.per_chat_per_second
            span = 1.0 / rate if rate < 1 else 1.0
            windows.append(self._chats.setdefault(chat_id, _Window(_count(rate), span)))
        if chat_id is not None and chat_id < 0 and limits.per_group_per_minute:
            limit = limits.per_group_per_minute
            windows.append(self._groups.setdefault(chat_id, _Window(limit, 60.0)))
        return windows


def _count(rate: float) -> int:
    return max(1, int(rate))


@dataclass
class Fault:
    """An error to serve ``times`` times to matching calls (chat and/or method), or forever."""

    code: int
    description: str
    parameters: dict[str, Any] | None = None
    chat_id: int | None = None
    method: str | None = None  # lower-case Bot API method name
    times: int | None = 1  # None: persistent
    drop_connection: bool = False
    served: int = field(default=0)

    def matches(self, method: str, chat_id: int | None) -> bool:
        """Whether this fault applies to a call."""
        if self.method is not None and self.method != method:
            return False
        return self.chat_id is None or self.chat_id == chat_id


class FaultQueue:
    """Injected faults, first match wins; used-up faults disappear."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        """Queue a fault and return it (its ``served`` counter shows how often it fired)."""
        self.faults.append(fault)
        return fault

    def remove(self, predicate: Callable[[Fault], bool]) -> None:
        """Drop the faults the predicate selects."""
        self.faults = [f for f in self.faults if not predicate(f)]

    def take(self, method: str, chat_id: int | None) -> Fault | None:
        """The fault to serve for this call, if any."""
        for fault in self.faults:
            if fault.matches(method, chat_id):
                fault.served += 1
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                return fault
        return None
