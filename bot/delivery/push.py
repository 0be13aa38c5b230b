"""One push tick: find the chats that are due, claim them in batches, build and send digests.

Due-ness is computed per time zone (there are few), never per chat; each zone's due chats are
read in keyset-paged batches, claimed atomically in the delivery log, and sent concurrently
within the pacer's limits. Every claim ends as sent, 'nothing new' or failed (retried at a
later tick, up to ``max_attempts`` a day): none is left hanging, except by a killed process,
whose claims another tick takes over once their lease has run out.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot

from bot.delivery.marks import SentMarks
from bot.delivery.pacer import SendPacer, Sleep
from bot.delivery.schedule import local_moment
from bot.delivery.sender import (
    BotUnauthorized,
    ChatBlocked,
    ChatMoved,
    MessageSender,
    RetryPolicy,
    SendFailed,
)
from bot.render import render_digest
from bot.store.deliveries import Claim, Cutoffs, DeliveryLog, DueChat, SentMark
from bot.store.digest_batch import articles_for_chats
from bot.store.fulltext import Analyzer
from bot.store.records import StoredArticle
from summaries.model import Topic

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
# Digests rendered per tick are mostly the same few (chats share topics): keep some at hand.
RENDER_CACHE_SIZE = 256
Outcome = Literal["sent", "nothing_new", "failed", "blocked", "lost"]
# Fresh digest articles of a claimed batch, by chat; None when the batch query failed.
Fresh = dict[int, list[StoredArticle]] | None


class PushStore(Protocol):
    """What the push needs of the store (``bot.store.open_store`` gives all of it)."""

    engine: AsyncEngine
    backend: str
    analyzer: Analyzer

    async def articles_for_chat(
        self, chat_id: int, *, limit: int = 10, since: datetime | None = None
    ) -> list[StoredArticle]: ...

    async def get_article(self, article_id: int) -> StoredArticle | None: ...

    async def mark_blocked(self, chat_id: int, *, at: datetime) -> None: ...

    async def migrate_chat(self, old_id: int, new_id: int) -> None: ...


@dataclass(frozen=True)
class PushConfig:
    """Knobs of the push; the defaults suit an ordinary bot."""

    rate_per_second: float = 30.0
    max_articles: int = 10
    batch_size: int = 200  # chats claimed at once
    concurrency: int = 32  # messages in flight at once
    lease_seconds: float = 900.0  # a claim older than this belongs to a dead worker
    max_attempts: int = 5  # failed sends of one chat's digest per local date
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(frozen=True)
class ChatResult:
    """What one claimed chat came to."""

    chat_id: int
    outcome: Outcome
    parts: int = 0
    detail: str = ""


@dataclass
class TickReport:
    """Counts of one tick (kept small: a tick may cover a million chats)."""

    outcomes: Counter[str] = field(default_factory=Counter)
    messages: int = 0
    floods: int = 0
    halted: bool = False  # the token was refused: nothing can be sent

    @property
    def sent(self) -> int:
        """Digests sent completely."""
        return self.outcomes["sent"]

    def summary(self) -> str:
        """One line for logs and the command line."""
        parts = ", ".join(f"{name} {n}" for name, n in sorted(self.outcomes.items()))
        return f"digests: {parts or 'none due'}; messages {self.messages}; 429s {self.floods}"


@dataclass
class _Progress:
    """Where one digest stands: the chat it goes to (a group may move) and the parts sent."""

    target: int
    sent: list[int] = field(default_factory=list)
    already: int = 0  # parts sent before this attempt


def new_worker_id() -> str:
    """A name for this process's claims, unique across machines and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Pusher:
    """Runs push ticks for one process; keeps only two numbers between ticks."""

    def __init__(
        self,
        *,
        store: PushStore,
        bot: Bot,
        topics: Sequence[Topic],
        config: PushConfig,
        clock: Clock,
        sleep: Sleep,
        worker_id: str | None = None,
    ) -> None:
        self.store = store
        self.deliveries = DeliveryLog(store.engine, store.backend)
        self.topics = tuple(topics)
        self.config = config
        self.clock = clock
        self.worker = worker_id or new_worker_id()
        self.pacer = SendPacer(
            rate_per_second=config.rate_per_second,
            clock=lambda: clock().timestamp(),
            sleep=sleep,
        )
        self.sender = MessageSender(bot, self.pacer, sleep=sleep, policy=config.retry)
        self.marks = SentMarks(self.deliveries, worker=self.worker, clock=clock)
        self._lock = asyncio.Lock()
        self._halted = False
        self._rendered: dict[tuple[tuple[int, ...], str, date], list[str]] = {}
        # 'Nothing new' checks made before articles last changed are due for another look.
        self._newest_article = -1
        self._articles_changed_at: datetime | None = None

    @property
    def busy(self) -> bool:
        """Whether a tick is running now."""
        return self._lock.locked()

    async def tick(self, on_result: Callable[[ChatResult], None] | None = None) -> TickReport:
        """Deliver every digest that is due now; ``on_result`` hears each claimed chat."""
        async with self._lock:
            report = TickReport()
            floods, self._halted = self.sender.floods, False
            cutoffs = await self._cutoffs()
            for timezone in await self.deliveries.active_timezones():
                await self._push_zone(timezone, cutoffs, report, on_result)
                if self._halted:
                    break
            report.floods = self.sender.floods - floods
            report.halted = self._halted
            return report

    async def _cutoffs(self) -> Cutoffs:
        start = self.clock()
        newest = await self.deliveries.newest_article_id()
        if newest != self._newest_article or self._articles_changed_at is None:
            self._newest_article, self._articles_changed_at = newest, start
        return Cutoffs(
            lease_before=start - timedelta(seconds=self.config.lease_seconds),
            recheck_before=self._articles_changed_at,
            retry_before=start,
            max_attempts=self.config.max_attempts,
        )

    async def _push_zone(
        self,
        timezone: str,
        cutoffs: Cutoffs,
        report: TickReport,
        on_result: Callable[[ChatResult], None] | None,
    ) -> None:
        moment = local_moment(self.clock(), timezone)
        after: tuple[str, int] | None = None
        while True:
            due = await self.deliveries.due_chats(
                timezone=timezone,
                local_date=moment.local_date,
                hhmm=moment.hhmm,
                cutoffs=cutoffs,
                after=after,
                limit=self.config.batch_size,
            )
            if not due:
                return
            after = (due[-1].digest_time, due[-1].chat_id)
            claims = await self.deliveries.claim(
                [chat.chat_id for chat in due],
                local_date=moment.local_date,
                worker=self.worker,
                now=self.clock(),
                cutoffs=cutoffs,
            )
            chats = {chat.chat_id: chat for chat in due}
            fresh = await self._fresh_articles(claims)
            await self._deliver_batch(claims, chats, fresh, report, on_result)
            if self._halted or len(due) < self.config.batch_size:
                return

    async def _deliver_batch(
        self,
        claims: Sequence[Claim],
        chats: dict[int, DueChat],
        fresh: Fresh,
        report: TickReport,
        on_result: Callable[[ChatResult], None] | None,
    ) -> None:
        gate = asyncio.Semaphore(self.config.concurrency)

        async def one(claim: Claim) -> None:
            async with gate:
                if self._halted:
                    await self._release(claim, "tick stopped", count=False)
                    result = ChatResult(claim.chat_id, "failed", detail="tick stopped")
                else:
                    result = await self._deliver(claim, chats[claim.chat_id], fresh)
            report.outcomes[result.outcome] += 1
            report.messages += result.parts
            if on_result is not None:
                on_result(result)

        async with asyncio.TaskGroup() as group:
            for claim in claims:
                group.create_task(one(claim))

    async def _deliver(self, claim: Claim, chat: DueChat, fresh: Fresh = None) -> ChatResult:
        """Send one claimed digest; every path ends the claim (sent, nothing new or failed)."""
        progress = _Progress(claim.chat_id)
        try:
            articles, resumed = await self._articles(claim, fresh)
            if not articles:
                await self.deliveries.mark_nothing_new(
                    claim.delivery_id, worker=self.worker, now=self.clock()
                )
                return ChatResult(progress.target, "nothing_new")
            parts = self._render(articles, chat.language, claim.local_date)
            if resumed:
                progress.sent = list(claim.message_ids)
                progress.already = len(progress.sent)
            held = await self._send_parts(claim, parts, [a.id for a in articles], progress)
            new_parts = len(progress.sent) - progress.already
            return ChatResult(progress.target, "sent" if held else "lost", new_parts)
        except ChatBlocked as exc:
            await self.store.mark_blocked(progress.target, at=self.clock())
            await self._release(claim, f"blocked: {exc}")
            return ChatResult(progress.target, "blocked", detail=str(exc))
        except (SendFailed, ChatMoved) as exc:
            await self._release(claim, str(exc))
            return ChatResult(progress.target, "failed", detail=str(exc))
        except BotUnauthorized as exc:
            # No send can succeed with this token: stop the tick, keep the attempt uncounted.
            self._halted = True
            await self._release(claim, f"unauthorized: {exc}", count=False)
            return ChatResult(progress.target, "failed", detail="unauthorized")
        except Exception as exc:  # a claim must never stay held by a live process
            log.exception("delivery to chat %s failed", progress.target)
            await self._release(claim, f"{type(exc).__name__}: {exc}")
            return ChatResult(progress.target, "failed", detail=type(exc).__name__)

    async def _send_parts(
        self, claim: Claim, parts: list[str], article_ids: list[int], progress: _Progress
    ) -> bool:
        """Send the parts not sent yet, saving each; False when the claim was taken over."""
        for part in parts[len(progress.sent) :]:
            try:
                progress.sent.append(await self.sender.send(progress.target, part))
            except ChatMoved as moved:
                await self.store.migrate_chat(progress.target, moved.new_chat_id)
                log.info("chat %s migrated to %s", progress.target, moved.new_chat_id)
                progress.target = moved.new_chat_id
                progress.sent.append(await self.sender.send(progress.target, part))
            if len(progress.sent) < len(parts):
                # Parts so far, saved at once: a retry resumes after the last one sent.
                held = await self.deliveries.record_progress(
                    claim.delivery_id,
                    worker=self.worker,
                    article_ids=article_ids,
                    message_ids=progress.sent,
                )
                if not held:
                    log.error("delivery %s was taken over while sending", claim.delivery_id)
                    return False
        # Committed before this task takes another chat (see bot.delivery.marks).
        held = await self.marks.mark(
            SentMark(claim.delivery_id, tuple(article_ids), tuple(progress.sent))
        )
        if not held:
            log.error("delivery %s was taken over while sending", claim.delivery_id)
        return held

    def _render(self, articles: list[StoredArticle], language: str, day: date) -> list[str]:
        """The digest's parts; chats with the same topics share one rendering."""
        key = (tuple(article.id for article in articles), language, day)
        parts = self._rendered.get(key)
        if parts is None:
            if len(self._rendered) >= RENDER_CACHE_SIZE:
                self._rendered.clear()
            parts = render_digest(articles, topics=self.topics, language=language, today=day)
            self._rendered[key] = parts
        return parts

    @staticmethod
    def _resumes(claim: Claim) -> bool:
        return bool(claim.message_ids and claim.article_ids)

    async def _fresh_articles(self, claims: Sequence[Claim]) -> Fresh:
        """The new articles of every claimed chat of a batch, in a few queries."""
        chat_ids = [claim.chat_id for claim in claims if not self._resumes(claim)]
        if not chat_ids:
            return {}
        try:
            return await articles_for_chats(
                self.store.engine,
                self.store.backend,
                chat_ids,
                limit=self.config.max_articles,
                analyzer=self.store.analyzer,
            )
        except Exception:  # each chat then asks on its own, inside its own error handling
            log.exception("batch article query failed; querying chat by chat")
            return None

    async def _articles(self, claim: Claim, fresh: Fresh) -> tuple[list[StoredArticle], bool]:
        """The digest's articles, and whether they resume a digest that was cut short."""
        if self._resumes(claim):
            # The same articles give the same parts, so the retry starts after the last sent.
            found = [await self.store.get_article(i) for i in claim.article_ids]
            if all(article is not None for article in found):
                return [a for a in found if a is not None], True
        if fresh is not None and claim.chat_id in fresh:
            return fresh[claim.chat_id], False
        latest = await self.store.articles_for_chat(claim.chat_id, limit=self.config.max_articles)
        return latest, False

    async def _release(self, claim: Claim, error: str, *, count: bool = True) -> None:
        try:
            await self.deliveries.release(
                claim.delivery_id, worker=self.worker, now=self.clock(), error=error, count=count
            )
        except Exception:  # the lease still frees the row later
            log.exception("could not release delivery %s", claim.delivery_id)
