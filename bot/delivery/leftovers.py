"""Claims a tick could not end because the database went away, ended first at the next tick.

When the database stays away past the guard's patience, the tick stops with claims still held:
digests sent whose marks could not be written, and chats not sent at all. Left alone they would
wait for their lease, and the sent ones would then go out again. The running bot keeps them
here instead and ends them before its next tick sends anything: sent digests are marked, a
digest cut short saves its parts so far, and the rest are given back without counting an
attempt.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.delivery.outage import StoreGuard, StoreLost
from bot.store.deliveries import DeliveryLog, SentMark

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LeftClaim:
    """One claim left held: what of its digest went out, if anything."""

    delivery_id: int
    article_ids: tuple[int, ...] = ()
    message_ids: tuple[int, ...] = ()  # sent, not recorded
    complete: bool = False  # every part went out: it only needs its sent mark


class LeftClaims:
    """The claims one worker left held, in the order they were left."""

    def __init__(
        self,
        deliveries: DeliveryLog,
        guard: StoreGuard,
        *,
        worker: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.deliveries = deliveries
        self.guard = guard
        self.worker = worker
        self.clock = clock
        self._left: list[LeftClaim] = []

    def __len__(self) -> int:
        return len(self._left)

    def leave(self, claim: LeftClaim) -> None:
        """Keep ``claim`` to be ended at the next tick."""
        self._left.append(claim)
        if claim.message_ids:
            log.error(
                "delivery %s: %d message(s) sent but not recorded yet; kept for the next tick",
                claim.delivery_id,
                len(claim.message_ids),
            )

    async def end_all(self) -> None:
        """End every claim left; raises StoreLost (keeping the rest) if the database is away."""
        while self._left:
            try:
                await self._end(self._left[0])
            except StoreLost:
                raise
            except Exception:  # a query at fault would fail every tick: its lease frees it
                log.exception("could not end delivery %s", self._left[0].delivery_id)
            self._left.pop(0)

    async def _end(self, left: LeftClaim) -> None:
        if left.complete:
            mark = SentMark(left.delivery_id, left.article_ids, left.message_ids)
            await self.guard.call(
                "mark sent", self.deliveries.mark_sent_many, [mark], worker=self.worker,
                now=self.clock(),
            )  # fmt: skip
        else:
            if left.message_ids:  # cut short: a retry resumes after these parts
                await self.guard.call(
                    "save progress", self.deliveries.record_progress, left.delivery_id,
                    worker=self.worker, article_ids=left.article_ids,
                    message_ids=left.message_ids,
                )  # fmt: skip
            await self.guard.call(
                "release", self.deliveries.release, left.delivery_id, worker=self.worker,
                now=self.clock(), error="database outage", count=False,
            )  # fmt: skip
