"""The push against the Bot API emulator, with a clock the tests move (no real waiting)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from telegram import Bot

from bot.delivery.lean_request import LeanRequest
from bot.delivery.push import PushConfig, Pusher
from bot.delivery.report import TickReport
from bot.delivery.sender import RetryPolicy
from bot.render import render_digest
from bot.store.deliveries import DeliveryLog
from bot.store.records import NewArticle
from bot.store.sql_store import SqlStore
from summaries.model import Topic
from tests.botapi import RateLimits
from tests.botapi.server import BotApiEmulator
from tests.delivery.conftest import FakeClock, add_chat, seed_articles

# PTB warns about its own RetryAfter whenever a 429 arrives.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Rig:
    store: SqlStore
    emu: BotApiEmulator
    bot: Bot
    clock: FakeClock
    topics: tuple[Topic, ...]
    log: DeliveryLog

    def pusher(self, **config: Any) -> Pusher:
        return Pusher(
            store=self.store,
            bot=self.bot,
            topics=self.topics,
            config=PushConfig(**config),
            clock=self.clock,
            sleep=self.clock.sleep,
            worker_id="test-worker",
        )

    def texts(self, chat_id: int) -> list[str]:
        return [m.text for m in self.emu.messages(chat_id)]


@pytest.fixture(params=["httpx", "lean"])
async def rig(
    request: pytest.FixtureRequest, sqlite_store: SqlStore, topics: tuple[Topic, ...]
) -> AsyncIterator[Rig]:
    """Every push test runs with PTB's httpx transport and with LeanRequest."""
    clock = FakeClock(utc(2026, 3, 27, 23, 0))
    emu = BotApiEmulator(clock=clock.timestamp, wall_clock=clock.timestamp)
    transport = LeanRequest() if request.param == "lean" else None
    async with emu, Bot(emu.token, base_url=emu.base_url, request=transport) as bot:
        yield Rig(sqlite_store, emu, bot, clock, topics, sqlite_store.deliveries)


async def run_until(rig: Rig, pusher: Pusher, end: datetime, step: timedelta) -> TickReport:
    total = TickReport()
    while rig.clock.now <= end:
        report = await pusher.tick()
        total.outcomes.update(report.outcomes)
        total.floods += report.floods
        rig.clock.set(max(rig.clock.now, _next_step(rig.clock.now, step)))
    return total


def _next_step(now: datetime, step: timedelta) -> datetime:
    # Ticks on round multiples of the step, as a repeating job started on the minute would.
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    return epoch + ((now - epoch) // step + 1) * step


async def test_three_zones_two_days_across_daylight_saving(
    rig: Rig, articles: list[NewArticle]
) -> None:
    """Each chat gets one digest per local date at its own local time; Berlin moves to CEST."""
    await rig.store.add_articles(articles[:3])
    chats = {
        101: ("Asia/Shanghai", time(8, 0)),
        102: ("Europe/Berlin", time(7, 30)),
        104: ("Europe/Berlin", time(2, 30)),  # does not exist on 29 March 2026
    }
    for chat_id, (zone, at) in chats.items():
        await add_chat(rig.store, chat_id, timezone=zone, at=at, topics=("volunteer", "party"))
    pusher = rig.pusher()
    # New York joins after its midnight (its 27 March push time had passed at the start).
    await run_until(rig, pusher, utc(2026, 3, 28, 4, 30), timedelta(minutes=5))
    await add_chat(
        rig.store, 103, timezone="America/New_York", at=time(9, 15), topics=("volunteer", "party")
    )
    # Day one's pushes are done by 13:15 UTC; day two's articles arrive in the evening.
    await run_until(rig, pusher, utc(2026, 3, 28, 20, 0), timedelta(minutes=5))
    added = await rig.store.add_articles(articles[3:])
    assert added.added
    await run_until(rig, pusher, utc(2026, 3, 29, 14, 0), timedelta(minutes=5))

    expected = {
        101: [utc(2026, 3, 28, 0, 0), utc(2026, 3, 29, 0, 0)],
        102: [utc(2026, 3, 28, 6, 30), utc(2026, 3, 29, 5, 30)],  # CET, then CEST
        103: [utc(2026, 3, 28, 13, 15), utc(2026, 3, 29, 13, 15)],  # EDT since 8 March
        104: [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 0)],  # 02:30 skipped: at 03:00
    }
    for chat_id, moments in expected.items():
        sent = rig.emu.messages(chat_id)
        assert len(sent) == 2, (chat_id, [m.at for m in sent])
        for message, due in zip(sent, moments, strict=True):
            sent_at = datetime.fromtimestamp(message.at, UTC)
            assert due <= sent_at < due + timedelta(minutes=1), (chat_id, sent_at, due)
        first, second = (m.text for m in sent)
        # Day two carries only what arrived since: never an article twice.
        assert articles[0].title in first and articles[0].title not in second
        assert articles[4].title in second and articles[4].title not in first
        days = [d.local_date for d in await rig.log.all_for_chat(chat_id)]
        assert days == [date(2026, 3, 28), date(2026, 3, 29)]
    assert rig.emu.rejections == []


async def test_catch_up_once_after_downtime_and_time_already_past(
    rig: Rig, articles: list[NewArticle]
) -> None:
    """A bot started at 15:00 sends the 08:00 digest once, not once per missed tick or day."""
    await rig.store.add_articles(articles)
    await add_chat(rig.store, 201, at=time(8, 0))
    rig.clock.set(utc(2026, 3, 28, 7, 0))  # 15:00 in Shanghai
    pusher = rig.pusher()
    await run_until(rig, pusher, utc(2026, 3, 28, 9, 0), timedelta(minutes=1))
    assert len(rig.emu.messages(201)) == 1
    # Setting a time already past today: today's digest is due at the next tick.
    await add_chat(rig.store, 202, at=time(8, 0))
    await rig.store.update_chat(202, digest_time=time(16, 0))
    report = await pusher.tick()
    assert report.sent == 1 and len(rig.emu.messages(202)) == 1


async def test_nothing_new_sends_nothing_and_waits_for_new_articles(
    rig: Rig, topics: tuple[Topic, ...], articles: list[NewArticle]
) -> None:
    """No message without articles; the chat is not re-queried each tick; new ones go out."""
    await rig.store.add_articles([a for a in articles if "safety" not in a.topics])
    await add_chat(rig.store, 301, topics=("safety",))
    rig.clock.set(utc(2026, 3, 28, 0, 0))
    calls: list[int] = []
    pusher = rig.pusher()
    original = pusher._fresh_articles

    async def counting(claims: Any) -> Any:
        calls.extend(claim.chat_id for claim in claims)
        return await original(claims)

    pusher._fresh_articles = counting  # type: ignore[method-assign]
    await run_until(rig, pusher, utc(2026, 3, 28, 1, 0), timedelta(minutes=1))
    assert rig.emu.messages(301) == []
    assert len(calls) == 1, "checked once, then left alone until articles change"
    row = await rig.log.get(301, date(2026, 3, 28))
    assert row is not None and row.status == "nothing_new" and row.error is None
    await rig.store.add_articles([a for a in articles if "safety" in a.topics])
    await run_until(rig, pusher, utc(2026, 3, 28, 1, 10), timedelta(minutes=1))
    assert len(rig.emu.messages(301)) == 1
    row = await rig.log.get(301, date(2026, 3, 28))
    assert row is not None and row.status == "sent"


async def test_paused_blocked_and_migrated_chats(rig: Rig, articles: list[NewArticle]) -> None:
    await rig.store.add_articles(articles)
    for chat_id in (401, 402, -403):
        await add_chat(rig.store, chat_id)
    await rig.store.update_chat(401, paused=True)
    rig.emu.block(402)
    rig.emu.migrate(-403, -1000000000403)
    rig.clock.set(utc(2026, 3, 28, 0, 5))
    pusher = rig.pusher()
    report = await pusher.tick()
    assert report.outcomes["blocked"] == 1 and report.sent == 1

    assert rig.emu.messages(401) == []
    blocked = await rig.store.get_chat(402)
    assert blocked is not None and blocked.blocked_at is not None
    assert [s.value for s in await rig.store.list_subscriptions(402)] == ["volunteer"]
    # The digest went to the supergroup, which now owns the subscriptions and the delivery.
    assert len(rig.emu.messages(-1000000000403)) == 1
    assert await rig.store.get_chat(-403) is None
    assert [s.value for s in await rig.store.list_subscriptions(-1000000000403)] == ["volunteer"]
    moved = await rig.log.get(-1000000000403, date(2026, 3, 28))
    assert moved is not None and moved.status == "sent"

    # A blocked chat is not tried again, until it writes to the bot again.
    calls = rig.emu.calls["sendmessage"]
    rig.clock.set(utc(2026, 3, 28, 0, 10))
    await pusher.tick()
    assert rig.emu.calls["sendmessage"] == calls
    rig.emu.unblock(402)
    await rig.store.ensure_chat(
        402, type="private", language="zh", timezone="Asia/Shanghai", digest_time=time(8, 0)
    )
    rig.clock.set(utc(2026, 3, 28, 0, 15))
    report = await pusher.tick()
    assert report.sent == 1 and len(rig.emu.messages(402)) == 1
    assert rig.emu.messages(401) == []


async def test_429_storm_pauses_everyone_and_loses_nothing(
    rig: Rig, articles: list[NewArticle]
) -> None:
    await rig.store.add_articles(articles)
    chat_ids = list(range(501, 541))
    for chat_id in chat_ids:
        await add_chat(rig.store, chat_id)
    rig.clock.set(utc(2026, 3, 28, 0, 0))
    rig.emu.throttle(7, times=12, method="sendMessage")
    report = await rig.pusher(concurrency=8).tick()
    assert report.sent == len(chat_ids) and report.floods == 12
    assert all(rig.emu.sent_per_chat[c] == 1 for c in chat_ids)
    # After each 429 nothing was sent before its retry_after had passed.
    floods = [e.at for e in rig.emu.errors if e.code == 429]
    accepted = sorted(m.at for m in rig.emu.sent)
    for at in floods:
        assert not [t for t in accepted if at < t < at + 7 - 1e-6]


async def test_5xx_twice_then_success_and_a_chat_that_keeps_failing(
    rig: Rig, articles: list[NewArticle]
) -> None:
    await rig.store.add_articles(articles)
    await add_chat(rig.store, 601)
    await add_chat(rig.store, 602)
    rig.emu.fail(502, "Bad Gateway", times=2, chat_id=601)
    broken = rig.emu.fail(500, "Internal Server Error", times=None, chat_id=602)
    rig.clock.set(utc(2026, 3, 28, 0, 0))
    pusher = rig.pusher(max_attempts=3, retry=RetryPolicy(network_retries=2))
    report = await pusher.tick()
    assert len(rig.emu.messages(601)) == 1 and report.sent == 1
    ok = await rig.log.get(601, date(2026, 3, 28))
    assert ok is not None and ok.status == "sent" and ok.attempts == 0
    failed = await rig.log.get(602, date(2026, 3, 28))
    assert failed is not None and failed.status == "failed" and failed.attempts == 1
    assert failed.error and "Internal Server Error" in failed.error
    # Retried at later ticks, a bounded number of times a day; never in a tight loop.
    for minute in range(1, 10):
        rig.clock.set(utc(2026, 3, 28, 0, minute))
        await pusher.tick()
    assert broken.served == 3 * 3  # 3 attempts (ticks) x (1 try + 2 retries)
    failed = await rig.log.get(602, date(2026, 3, 28))
    assert failed is not None and failed.attempts == 3
    rig.emu.faults.remove(lambda fault: fault is broken)
    rig.clock.set(utc(2026, 3, 29, 0, 0))  # a new local date: a new chance
    await pusher.tick()
    assert len(rig.emu.messages(602)) == 1


async def test_long_digest_resumes_after_the_last_part_sent(
    rig: Rig, topics: tuple[Topic, ...]
) -> None:
    """A multi-part digest cut short sends only its missing parts at the next tick."""
    for tag in ("long-a", "long-b", "long-c", "long-d"):
        await rig.store.add_articles(
            seed_articles(topics, max_chars=2000, max_sentences=40, tag=tag)
        )
    await add_chat(rig.store, 701, topics=[t.slug for t in topics])
    rig.clock.set(utc(2026, 3, 28, 0, 0))
    pusher = rig.pusher(retry=RetryPolicy(network_retries=0), max_articles=20)
    digest = await rig.store.articles_for_chat(701, limit=20)
    whole = render_digest(digest, topics=rig.topics, language="zh", today=date(2026, 3, 28))
    assert len(whole) >= 2, "the digest needs several parts for this test"
    calls: list[int] = []
    original = pusher.sender.send

    async def second_part_fails(chat_id: int, text: str, thread_id: int | None = None) -> int:
        calls.append(chat_id)
        if len(calls) == 2:
            rig.emu.fail(502, "Bad Gateway", times=1, chat_id=chat_id)
        return await original(chat_id, text, thread_id)

    pusher.sender.send = second_part_fails  # type: ignore[method-assign]
    await pusher.tick()
    row = await rig.log.get(701, date(2026, 3, 28))
    assert row is not None and row.status == "failed" and len(row.message_ids) == 1
    first_try = rig.texts(701)
    assert len(first_try) == 1
    rig.clock.set(utc(2026, 3, 28, 0, 1))
    await pusher.tick()
    texts = rig.texts(701)
    assert len(texts) >= 2 and texts[0] == first_try[0]
    assert len(set(texts)) == len(texts), "no part sent twice"
    row = await rig.log.get(701, date(2026, 3, 28))
    assert row is not None and row.status == "sent" and len(row.message_ids) == len(texts)
    # Exactly the digest's parts, each once and in order: none lost across the retry.
    assert row.article_ids == tuple(a.id for a in digest)
    assert [m.raw_text for m in rig.emu.messages(701)] == whole


async def test_group_and_global_limits_hold_under_telegram_limits(
    rig: Rig, articles: list[NewArticle]
) -> None:
    """With the emulator enforcing Telegram's limits the push never meets a 429."""
    await rig.store.add_articles(articles)
    for chat_id in [*range(801, 861), -801, -802]:
        await add_chat(rig.store, chat_id)
    rig.emu.rate_limits = RateLimits.telegram()
    rig.clock.set(utc(2026, 3, 28, 0, 0))
    # The emulator's windows run on the fake clock too; one send in flight at a time keeps the
    # arrival times equal to the pacer's slots (bench/push.py measures it on the real clock).
    report = await rig.pusher(concurrency=1).tick()
    assert report.sent == 62 and report.floods == 0 and rig.emu.count_429 == 0


async def test_batch_query_failure_falls_back_to_each_chat(
    rig: Rig, articles: list[NewArticle], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failing batch article query costs speed, not digests."""
    await rig.store.add_articles(articles)
    for chat_id in (901, 902):
        await add_chat(rig.store, chat_id)
    rig.clock.set(utc(2026, 3, 28, 0, 0))

    async def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("batch query down")

    monkeypatch.setattr(rig.store, "articles_for_chats", broken)
    report = await rig.pusher().tick()
    assert report.sent == 2
    expected = [a.id for a in await rig.store.articles_for_chat(901, limit=50)]
    assert expected == []  # everything matching was sent, by the per-chat query
    row = await rig.log.get(902, date(2026, 3, 28))
    assert row is not None and row.status == "sent" and len(row.article_ids) > 0


async def test_a_chat_that_subscribes_after_its_check_gets_its_digest_at_the_next_tick(
    rig: Rig, articles: list[NewArticle]
) -> None:
    """/start, checked (nothing to receive), then /subscribe: no new article, yet it is sent."""
    await rig.store.add_articles(articles)
    await add_chat(rig.store, 1001, topics=())  # /start: a chat without subscriptions
    rig.clock.set(utc(2026, 3, 28, 0, 0))
    pusher = rig.pusher()
    assert (await pusher.tick()).outcomes["nothing_new"] == 1
    rig.clock.set(utc(2026, 3, 28, 0, 1))
    assert not (await pusher.tick()).outcomes, "left alone while nothing changed"
    await rig.store.add_subscription(1001, "topic", "volunteer")
    rig.clock.set(utc(2026, 3, 28, 0, 2))
    report = await pusher.tick()
    assert report.sent == 1 and len(rig.emu.messages(1001)) == 1


@pytest.mark.parametrize(
    "change",
    ["subscribe", "unsubscribe", "keyword", "settime", "timezone", "resume", "unblock"],
)
async def test_every_change_to_what_a_chat_receives_makes_it_due_again(
    rig: Rig, articles: list[NewArticle], change: str
) -> None:
    """A chat checked with nothing new is looked at again at the next tick after a change."""
    await rig.store.add_articles([a for a in articles if "safety" not in a.topics])
    await add_chat(rig.store, 1101, topics=("safety", "party"), at=time(7, 0))
    rig.clock.set(utc(2026, 3, 28, 0, 0))  # 08:00 in Shanghai
    pusher = rig.pusher()
    checked: list[int] = []
    original = pusher._fresh_articles

    async def counting(claims: Any) -> Any:
        checked.extend(claim.chat_id for claim in claims)
        return await original(claims)

    pusher._fresh_articles = counting  # type: ignore[method-assign]
    # Everything 'party' sent, 'safety' has no article: checked, nothing new.
    await pusher.tick()
    rig.clock.set(utc(2026, 3, 29, 0, 0))
    await pusher.tick()
    assert checked == [1101, 1101]
    row = await rig.log.get(1101, date(2026, 3, 29))
    assert row is not None and row.status == "nothing_new"
    if change == "resume":
        await rig.store.update_chat(1101, paused=True)
    if change == "unblock":
        await rig.store.mark_blocked(1101, at=rig.clock())
    rig.clock.set(utc(2026, 3, 29, 0, 1))
    await pusher.tick()
    assert checked == [1101, 1101], "no change, no second look"
    store = rig.store
    if change == "subscribe":
        await store.add_subscription(1101, "topic", "health")
    elif change == "unsubscribe":
        await store.remove_subscription(1101, "topic", "party")
    elif change == "keyword":
        await store.add_subscription(1101, "keyword", "格尔木")
    elif change == "settime":
        await store.update_chat(1101, digest_time=time(7, 30))
    elif change == "timezone":
        await store.update_chat(1101, timezone="Asia/Chongqing")
    elif change == "resume":
        await store.update_chat(1101, paused=False)
    else:
        await store.ensure_chat(
            1101, type="private", language="zh", timezone="Asia/Shanghai", digest_time=time(7, 0)
        )
    rig.clock.set(utc(2026, 3, 29, 0, 2))
    await pusher.tick()
    assert checked == [1101, 1101, 1101]


async def test_a_subscription_made_while_the_chat_is_being_checked_is_not_missed(
    rig: Rig, articles: list[NewArticle]
) -> None:
    """The check read the old subscriptions; the change landed before 'nothing new' was
    written: the next tick still looks again (the claim noted the chat's revision)."""
    await rig.store.add_articles(articles)
    await add_chat(rig.store, 1201, topics=())
    rig.clock.set(utc(2026, 3, 28, 0, 0))
    pusher = rig.pusher()
    original = pusher._fresh_articles

    async def subscribe_meanwhile(claims: Any) -> Any:
        fresh = await original(claims)
        await rig.store.add_subscription(1201, "topic", "volunteer")
        return fresh

    pusher._fresh_articles = subscribe_meanwhile  # type: ignore[method-assign]
    assert (await pusher.tick()).outcomes["nothing_new"] == 1
    pusher._fresh_articles = original  # type: ignore[method-assign]
    rig.clock.set(utc(2026, 3, 28, 0, 1))
    assert (await pusher.tick()).sent == 1
    assert len(rig.emu.messages(1201)) == 1
