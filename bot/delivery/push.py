"""One push tick: find the chats that are due, claim them in batches, build and send digests.

Due-ness is computed per time zone (there are few), never per chat; each zone's due chats are
read in keyset-paged batches, claimed atomically in the delivery log, and sent concurrently
within the pacer's limits. A chat with several digest times a day is claimed for the latest
slot whose time has come (one row per chat, local date and slot; see bot.store.deliveries), and
its digest is what no sent delivery of the chat holds yet. Every claim ends as sent, 'nothing
new' or failed (retried at a later tick, up to ``max_attempts`` a day): none is left hanging,
except by a killed process, whose claims another tick takes over once their lease has run out.

A database that stops answering stops the sending, not the tick: every store call goes through
a ``StoreGuard`` (bot.delivery.outage) that retries it until the database answers again, and no
new message goes out meanwhile. A digest already sent is never released nor counted as
failed: its mark waits in memory until it commits. Only when the database stays away longer
than the guard's patience does the tick stop; marks it could not write are kept and written
first thing at the next tick of this process.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from telegram import Bot

from bot.delivery.leftovers import LeftClaim, LeftClaims
from bot.delivery.marks import SentMarks
from bot.delivery.outage import StoreGuard, StoreLost, describe
from bot.delivery.pacer import SendPacer, Sleep
from bot.delivery.report import ChatResult, Outcome, TickReport
from bot.delivery.schedule import local_moment
from bot.delivery.sender import (
    BotUnauthorized,
    ChatBlocked,
    ChatMoved,
    MessageSender,
    RetryPolicy,
    SendFailed,
)
from bot.i18n import text
from bot.render import render_digest
from bot.services.stories import (
    CANDIDATES_PER_ENTRY,
    StoryStore,
    flatten,
    rank_stories,
    update_ids,
)
from bot.store.deliveries import Claim, Cutoffs, DeliveryLog, DueChat, SentMark
from bot.store.records import ChatRecord, StoredArticle
from bot.store.targets import TargetStore
from summaries.model import Topic

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
# Digests rendered per tick are mostly the same few (chats share topics): keep some at hand.
RENDER_CACHE_SIZE = 256


@dataclass(frozen=True)
class Picked:
    """A digest's articles (laid out by bot.services.stories.flatten) and the ids of the
    stories among them that are updates of a story the chat received before."""

    articles: list[StoredArticle]
    updates: frozenset[int] = frozenset()


# Fresh digests of a claimed batch, by chat; None when the batch query failed.
Fresh = dict[int, Picked] | None
DATABASE_AWAY = "left for later: the database is not answering"


class PushStore(StoryStore, Protocol):
    """What the push needs of the store (``bot.store.open_store`` gives all of it): the story
    ranking's reads, and these."""

    deliveries: DeliveryLog
    targets: TargetStore

    async def get_chat(self, chat_id: int) -> ChatRecord | None: ...

    async def articles_for_chats(
        self, chat_ids: Sequence[int], *, limit: int
    ) -> dict[int, list[StoredArticle]]: ...

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
    max_articles: int = 10  # stories per digest (DIGEST_MAX_ARTICLES)
    batch_size: int = 200  # chats claimed at once
    concurrency: int = 32  # messages in flight at once
    lease_seconds: float = 900.0  # a claim older than this belongs to a dead worker
    max_attempts: int = 5  # failed sends of one chat's digest per local date
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # How long a store call is retried while the database does not answer; None: a third of
    # the lease, so that a mark retried that long still lands well inside its own claim.
    store_patience_seconds: float | None = None

    @property
    def store_patience(self) -> float:
        """Seconds a store call is retried through an outage."""
        if self.store_patience_seconds is not None:
            return self.store_patience_seconds
        return max(1.0, self.lease_seconds / 3)


@dataclass
class _Progress:
    """Where one digest stands: the chat row it is for, the Telegram chat and forum topic it
    goes to (a group may move), and the parts sent."""

    target: int
    send_to: int
    thread_id: int | None = None
    sent: list[int] = field(default_factory=list)
    already: int = 0  # parts sent before this attempt
    recorded: int = 0  # parts the delivery log knows of
    article_ids: tuple[int, ...] = ()
    complete: bool = False  # every part went out

    @property
    def unsaved(self) -> bool:
        """Whether parts went out that the delivery log does not know of yet."""
        return len(self.sent) > self.recorded


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
        self.deliveries = store.deliveries
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
        self.guard = StoreGuard(
            patience=config.store_patience, clock=lambda: clock().timestamp(), sleep=sleep
        )
        self.marks = SentMarks(self.deliveries, worker=self.worker, clock=clock, guard=self.guard)
        # Claims a lost database kept a tick from ending: ended first thing next tick.
        self.left = LeftClaims(self.deliveries, self.guard, worker=self.worker, clock=clock)
        self._lock = asyncio.Lock()
        self._halted = False
        self._rendered: dict[tuple[tuple[int, ...], str, date, frozenset[int]], list[str]] = {}
        # Chats of the batch being built that have story updates on (from the due query).
        self._following: set[int] = set()
        # 'Nothing new' checks made before articles last changed are due for another look.
        self._newest_article = -1
        self._articles_changed_at: datetime | None = None

    @property
    def busy(self) -> bool:
        """Whether a tick is running now."""
        return self._lock.locked()

    async def tick(self, on_result: Callable[[ChatResult], None] | None = None) -> TickReport:
        """Deliver every digest that is due now; ``on_result`` hears each claimed chat.

        A database outage never raises from here: the tick waits for the database, or stops
        and says why in ``store_error``.
        """
        async with self._lock:
            report = TickReport()
            floods, self._halted = self.sender.floods, False
            outages = self.guard.outages
            self.guard.start_tick()
            try:
                await self.left.end_all()
                cutoffs = await self._cutoffs()
                zones = await self.guard.call("due zones", self.deliveries.active_timezones)
                for timezone in zones:
                    await self._push_zone(timezone, cutoffs, report, on_result)
                    if self._halted or self.guard.lost:
                        break
            except StoreLost as exc:
                report.store_error = str(exc)
            report.store_error = report.store_error or (self.guard.lost or "")
            report.floods = self.sender.floods - floods
            report.halted = self._halted
            report.store_outages = self.guard.outages - outages
            return report

    async def _cutoffs(self) -> Cutoffs:
        start = self.clock()
        newest = await self.guard.call("newest article", self.deliveries.newest_article_id)
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
            due = await self.guard.call(
                "due chats",
                self.deliveries.due_chats,
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
            # A claim whose commit was lost with the connection is retried; its rows are then
            # taken already and stay with this worker until the lease (late, never doubled).
            claims = await self.guard.call(
                "claim",
                self.deliveries.claim,
                [chat.chat_id for chat in due],
                local_date=moment.local_date,
                worker=self.worker,
                now=self.clock(),
                cutoffs=cutoffs,
                slots={chat.chat_id: chat.slot for chat in due},
            )
            chats = {chat.chat_id: chat for chat in due}
            self._following = {chat.chat_id for chat in due if chat.story_updates}
            fresh = await self._fresh_articles(claims)
            await self._deliver_batch(claims, chats, fresh, report, on_result)
            if self._halted or self.guard.lost or len(due) < self.config.batch_size:
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
                if self.guard.lost:
                    self._leave(claim)
                    result = ChatResult(claim.chat_id, "deferred", detail=DATABASE_AWAY)
                elif self._halted:
                    await self._release(claim.delivery_id, "tick stopped", count=False)
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
        """Send one claimed digest; every path ends the claim (sent, nothing new or failed),
        except a database gone for good: then the claim waits for its lease, and what was sent
        is kept for the next tick."""
        progress = _Progress(claim.chat_id, chat.send_to, chat.thread_id)
        try:
            return await self._attempt(claim, chat, fresh, progress)
        except StoreLost:
            self._leave(claim, progress)
            if not progress.unsaved:
                return ChatResult(progress.target, "deferred", detail=DATABASE_AWAY)
            parts = self._new_parts(progress)
            return ChatResult(progress.target, "unsaved", parts, "sent, not recorded")

    async def _attempt(
        self, claim: Claim, chat: DueChat, fresh: Fresh, progress: _Progress
    ) -> ChatResult:
        try:
            picked, resumed = await self._articles(claim, chat, fresh)
            articles = picked.articles
            if not articles:
                await self.guard.call(
                    "mark nothing new",
                    self.deliveries.mark_nothing_new,
                    claim.delivery_id,
                    worker=self.worker,
                )
                return ChatResult(progress.target, "nothing_new")
            parts = self._render(articles, chat.language, claim.local_date, picked.updates)
            progress.article_ids = tuple(a.id for a in articles)
            if resumed:
                progress.sent = list(claim.message_ids)
                progress.already = progress.recorded = len(progress.sent)
            held = await self._send_parts(claim, parts, progress)
            outcome: Outcome = "sent" if held else "lost"
            return ChatResult(progress.target, outcome, self._new_parts(progress))
        except StoreLost:
            raise
        except ChatBlocked as exc:
            tell = await self._mark_gone(chat, progress)
            await self._release(claim.delivery_id, f"blocked: {exc}")
            await self._tell_admins(tell, chat, progress.target)
            return ChatResult(progress.target, "blocked", detail=str(exc))
        except (SendFailed, ChatMoved) as exc:
            await self._release(claim.delivery_id, str(exc))
            return ChatResult(progress.target, "failed", detail=str(exc))
        except BotUnauthorized as exc:
            # No send can succeed with this token: stop the tick, keep the attempt uncounted.
            self._halted = True
            await self._release(claim.delivery_id, f"unauthorized: {exc}", count=False)
            return ChatResult(progress.target, "failed", detail="unauthorized")
        except Exception as exc:  # a claim must never stay held by a live process...
            log.exception("delivery to chat %s failed", progress.target)
            if progress.unsaved:
                # ... unless messages went out that the log does not know of: a release would
                # send them again at the next tick. The lease frees the claim much later.
                return ChatResult(
                    progress.target, "unsaved", self._new_parts(progress), type(exc).__name__
                )
            await self._release(claim.delivery_id, f"{type(exc).__name__}: {exc}")
            return ChatResult(progress.target, "failed", detail=type(exc).__name__)

    async def _mark_gone(self, chat: DueChat, progress: _Progress) -> list[int]:
        """The bot may not send there any more: stop pushing the chat. A channel (or a linked
        group) is marked as having lost the bot's rights; returns its admins to tell, once."""
        at = self.clock()
        if chat.type != "channel":
            await self.guard.call("mark blocked", self.store.mark_blocked, progress.target, at=at)
        if chat.type == "private" or chat.thread_id is not None:
            return []
        return await self.guard.call(
            "mark rights lost", self.store.targets.mark_rights_lost, progress.target, at=at
        )

    async def _tell_admins(self, admins: Sequence[int], chat: DueChat, chat_id: int) -> None:
        """Tell the admins who linked a chat that the bot can no longer post there."""
        if not admins:
            return
        try:
            record = await self.guard.call("chat title", self.store.get_chat, chat_id)
        except StoreLost:
            record = None
        name = (record.title if record else None) or str(chat_id)
        message = text(chat.language, "target_rights_lost", name=name)
        for admin in admins:
            try:
                await self.sender.send(admin, message)
            except Exception as exc:  # an admin who blocked the bot cannot be told
                log.info("could not tell admin %s about chat %s: %s", admin, chat_id, exc)

    @staticmethod
    def _new_parts(progress: _Progress) -> int:
        return len(progress.sent) - progress.already

    def _leave(self, claim: Claim, progress: _Progress | None = None) -> None:
        """Keep a claim the lost database would not let this tick end, for the next tick."""
        if progress is None or not progress.unsaved:
            self.left.leave(LeftClaim(claim.delivery_id))
        else:
            sent = tuple(progress.sent)
            self.left.leave(
                LeftClaim(claim.delivery_id, progress.article_ids, sent, progress.complete)
            )

    async def _send_parts(self, claim: Claim, parts: list[str], progress: _Progress) -> bool:
        """Send the parts not sent yet, saving each; False when the claim was taken over."""
        for part in parts[len(progress.sent) :]:
            # Nothing goes out while the database does not answer: it could not be recorded.
            await self.guard.wait_until_answering()
            try:
                progress.sent.append(await self._send(progress, part))
            except ChatMoved as moved:
                old = progress.send_to
                await self.guard.call("move chat", self.store.migrate_chat, old, moved.new_chat_id)
                log.info("chat %s migrated to %s", old, moved.new_chat_id)
                if progress.target == old:  # a forum topic's row keeps its own id
                    progress.target = moved.new_chat_id
                progress.send_to = moved.new_chat_id
                progress.sent.append(await self._send(progress, part))
            if len(progress.sent) < len(parts):
                # Parts so far, saved at once: a retry resumes after the last one sent.
                held = await self._save_progress(
                    claim.delivery_id, progress.article_ids, tuple(progress.sent)
                )
                if not held:
                    log.error("delivery %s was taken over while sending", claim.delivery_id)
                    return False
                progress.recorded = len(progress.sent)
        progress.complete = True
        # Committed before this task takes another chat (see bot.delivery.marks).
        held = await self.marks.mark(
            SentMark(claim.delivery_id, progress.article_ids, tuple(progress.sent))
        )
        progress.recorded = len(progress.sent)
        if not held:
            log.error("delivery %s was taken over while sending", claim.delivery_id)
        return held

    async def _send(self, progress: _Progress, part: str) -> int:
        return await self.sender.send(progress.send_to, part, progress.thread_id)

    async def _save_progress(
        self, delivery_id: int, article_ids: Sequence[int], message_ids: Sequence[int]
    ) -> bool:
        return await self.guard.call(
            "save progress",
            self.deliveries.record_progress,
            delivery_id,
            worker=self.worker,
            article_ids=article_ids,
            message_ids=message_ids,
        )

    def _render(
        self,
        articles: list[StoredArticle],
        language: str,
        day: date,
        updates: frozenset[int] = frozenset(),
    ) -> list[str]:
        """The digest's parts; chats with the same topics share one rendering."""
        key = (tuple(article.id for article in articles), language, day, updates)
        parts = self._rendered.get(key)
        if parts is None:
            if len(self._rendered) >= RENDER_CACHE_SIZE:
                self._rendered.clear()
            parts = render_digest(
                articles, topics=self.topics, language=language, today=day, updates=updates
            )
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
            found = await self.guard.call(
                "batch articles",
                self.store.articles_for_chats,
                chat_ids,
                limit=self.config.max_articles * CANDIDATES_PER_ENTRY,
            )
            return await self._top_stories(found, self._following)
        except StoreLost:
            return None  # each chat then meets the lost database on its own, and defers
        except Exception:  # each chat then asks on its own, inside its own error handling
            log.exception("batch article query failed; querying chat by chat")
            return None

    async def _articles(self, claim: Claim, chat: DueChat, fresh: Fresh) -> tuple[Picked, bool]:
        """The digest's articles, and whether they resume a digest that was cut short."""
        if self._resumes(claim):
            # The same articles give the same parts, so the retry starts after the last sent.
            found = [
                await self.guard.call("article", self.store.get_article, i)
                for i in claim.article_ids
            ]
            if all(article is not None for article in found):
                articles = [a for a in found if a is not None]
                return Picked(articles, await self._resumed_updates(claim.chat_id, articles)), True
        if fresh is not None and claim.chat_id in fresh:
            return fresh[claim.chat_id], False
        latest = await self.guard.call(
            "chat articles",
            self.store.articles_for_chat,
            claim.chat_id,
            limit=self.config.max_articles * CANDIDATES_PER_ENTRY,
        )
        following = {claim.chat_id} if chat.story_updates else set()
        return (await self._top_stories({claim.chat_id: latest}, following))[claim.chat_id], False

    async def _resumed_updates(
        self, chat_id: int, articles: Sequence[StoredArticle]
    ) -> frozenset[int]:
        """Which stories of a digest cut short were updates: those the chat had received in an
        earlier sent delivery (this one is not sent yet), so the parts come out the same."""
        story_ids = sorted({a.story_id for a in articles if a.story_id is not None})
        if not story_ids:
            return frozenset()
        sent = await self.guard.call("sent stories", self.store.sent_stories, [chat_id], story_ids)
        return frozenset(sent.get(chat_id, set()))

    async def _top_stories(
        self, found: dict[int, list[StoredArticle]], following: set[int]
    ) -> dict[int, Picked]:
        """Each chat's best ``max_articles`` stories not sent to it yet, laid out for the
        renderer and the delivery log (every article shown is recorded as sent, so a story
        is never pushed again when another source joins it; a chat in ``following`` has story
        updates on and may get it again, once per source new to it)."""
        ranked = await self.guard.call(
            "stories", rank_stories, self.store, found, now=self.clock(), updates=following
        )
        out: dict[int, Picked] = {}
        for chat_id, entries in ranked.items():
            top = entries[: self.config.max_articles]
            out[chat_id] = Picked(flatten(top), update_ids(top))
        return out

    async def _release(self, delivery_id: int, error: str, *, count: bool = True) -> None:
        """Give a claim back for a later tick (the next tick's, if the database went away)."""
        try:
            await self.guard.call(
                "release", self.deliveries.release, delivery_id, worker=self.worker,
                now=self.clock(), error=error, count=count,
            )  # fmt: skip
        except StoreLost:
            self.left.leave(LeftClaim(delivery_id))
        except Exception as exc:  # the lease frees it later
            log.error("could not release delivery %s: %s", delivery_id, describe(exc))
