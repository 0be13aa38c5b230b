"""Riding out a database that stops answering in the middle of a push.

A digest that went out must be marked sent, whatever the database does meanwhile, or a later
tick sends it again. So every store call of the push goes through one ``StoreGuard``: a call
that fails because the database does not answer (stopped, restarting, unreachable, or locked
by another process: ``bot.store.dialect.is_unavailable``) is retried with backoff until it
answers, for at most ``patience`` seconds; and while any call is failing, no new message goes
out (``wait_until_answering``). Errors of the query itself are not retried: they are raised
as they are. When the patience runs out the guard gives up for the rest of the tick
(``StoreLost``); the push then stops sending and says what it could not record.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from bot.delivery.pacer import Sleep
from bot.store.dialect import is_unavailable

log = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")
FIRST_DELAY = 0.25  # seconds before the first retry, doubled after each failure
MAX_DELAY = 5.0


class StoreLost(Exception):
    """The database did not answer within the guard's patience: the tick stops."""


def describe(error: BaseException) -> str:
    """One short line for an error (drivers put the whole statement in theirs)."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {first[:200]}" if first else type(error).__name__


class StoreGuard:
    """Retries store calls through database outages and holds back sends meanwhile."""

    def __init__(
        self,
        *,
        patience: float,
        clock: Callable[[], float],
        sleep: Sleep,
        first_delay: float = FIRST_DELAY,
        max_delay: float = MAX_DELAY,
    ) -> None:
        self.patience = patience
        self.clock = clock
        self.sleep = sleep
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.outages = 0  # times the database stopped answering (for reports and tests)
        self.lost: str | None = None  # why the guard gave up, for the rest of the tick
        self._failing = 0  # calls now retrying
        self._answering = asyncio.Event()
        self._answering.set()
        self._down_since = 0.0

    def start_tick(self) -> None:
        """A new tick tries the database again, whatever the last one met."""
        self.lost = None
        if self._failing == 0:
            self._answering.set()

    async def wait_until_answering(self) -> None:
        """Return at once while the database answers; else wait until it does again.

        Raises StoreLost once the guard has given up: nothing more is sent in this tick.
        """
        if self.lost is None and self._failing:
            await self._answering.wait()
        if self.lost is not None:
            raise StoreLost(self.lost)

    async def call(
        self, what: str, operation: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """``await operation(*args, **kwargs)``, retried while the database does not answer;
        StoreLost at once when the guard has given up for this tick."""
        return await self._retry(what, lambda: operation(*args, **kwargs), last_chance=False)

    async def call_even_if_lost(
        self, what: str, operation: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """As ``call``, but tried once more after the guard has given up: a sent mark is worth
        one more try."""
        return await self._retry(what, lambda: operation(*args, **kwargs), last_chance=True)

    async def _retry(
        self, what: str, operation: Callable[[], Awaitable[T]], *, last_chance: bool
    ) -> T:
        if self.lost is not None and not last_chance:
            raise StoreLost(self.lost)
        deadline: float | None = None
        delay = self.first_delay
        try:
            while True:
                try:
                    return await operation()
                except Exception as exc:
                    if not is_unavailable(exc):
                        raise
                    if deadline is None:
                        deadline = self.clock() + self.patience
                        self._begin_failing(what, exc)
                    if self.lost is not None or self.clock() >= deadline:
                        raise self._give_up(what, exc) from exc
                await self.sleep(delay)
                delay = min(self.max_delay, delay * 2)
        finally:
            if deadline is not None:
                self._end_failing()

    def _begin_failing(self, what: str, error: BaseException) -> None:
        self._failing += 1
        if self._failing == 1 and self.lost is None:
            self.outages += 1
            self._down_since = self.clock()
            self._answering.clear()
            log.warning(
                "database not answering (%s: %s); sending paused, retrying for up to %.0f s",
                what,
                describe(error),
                self.patience,
            )

    def _end_failing(self) -> None:
        self._failing -= 1
        if self._failing == 0:
            if self.lost is None:
                log.warning(
                    "database answering again after %.1f s; sending resumed",
                    self.clock() - self._down_since,
                )
            self._answering.set()

    def _give_up(self, what: str, error: BaseException) -> StoreLost:
        if self.lost is None:
            self.lost = (
                f"the database did not answer for {self.patience:.0f} s ({what}: {describe(error)})"
            )
            self._answering.set()  # wake the waiting senders: they stop
        return StoreLost(self.lost)
