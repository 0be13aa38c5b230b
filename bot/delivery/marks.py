"""Marking digests sent right after their send, several per transaction (group commit).

A delivery is marked sent as soon as its last part is accepted, and its task waits until the
mark is committed before it takes another chat. The first mark starts a write at once; marks
that arrive while a write is running go together into the next one. So a mark waits for at most
one write before its own, and the sent-but-not-recorded digests at any moment are only those of
the tasks still waiting: never more than the sends in flight (``PushConfig.concurrency``), the
same bound as with one transaction per mark, for a fraction of the writes.

A write that meets a database that does not answer is retried through the push's
``StoreGuard`` until it commits (the marks wait in memory meanwhile); only when the guard gives
up does each waiting mark fail, with ``StoreLost``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from bot.delivery.outage import StoreGuard
from bot.store.deliveries import DeliveryLog, SentMark


class SentMarks:
    """Writes the sent marks of one worker in group commits."""

    def __init__(
        self,
        log: DeliveryLog,
        *,
        worker: str,
        clock: Callable[[], datetime],
        guard: StoreGuard | None = None,
    ) -> None:
        self.log = log
        self.worker = worker
        self.clock = clock
        self.guard = guard
        self._pending: list[tuple[SentMark, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.writes = 0  # transactions, for tests and measurements

    async def mark(self, mark: SentMark) -> bool:
        """Record ``mark`` and wait for its commit; False when this worker lost the claim."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((mark, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending())
        return await done

    async def _write_pending(self) -> None:
        while self._pending:
            group, self._pending = self._pending, []
            self.writes += 1
            try:
                held = await self._write([mark for mark, _ in group])
            except Exception as exc:  # each waiting delivery handles it as its own failure
                for _, done in group:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for mark, done in group:
                if not done.done():
                    done.set_result(mark.delivery_id in held)

    async def _write(self, marks: list[SentMark]) -> set[int]:
        if self.guard is None:
            return await self.log.mark_sent_many(marks, worker=self.worker, now=self.clock())
        return await self.guard.call_even_if_lost(
            "mark sent", self.log.mark_sent_many, marks, worker=self.worker, now=self.clock()
        )
