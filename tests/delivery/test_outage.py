"""The push through database outages: PostgreSQL stopped and started, SQLite locked.

PostgreSQL runs on a private server each test starts itself (tests.private_postgres); the
shared server is never stopped. The Bot API emulator counts what each chat received: one
digest per chat, whatever the database did meanwhile.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import time
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot

from bot.delivery.outage import StoreGuard, StoreLost
from bot.delivery.push import PushConfig, Pusher
from bot.delivery.schedule import utc_now
from bot.ingest import open_store
from bot.store.records import NewArticle
from bot.store.sql_store import SqlStore
from summaries.model import Topic
from tests.botapi.server import BotApiEmulator
from tests.delivery.conftest import REPO, FakeClock, add_chat
from tests.private_postgres import PrivatePostgres

pytestmark = pytest.mark.slow

CHATS = list(range(70_001, 70_101))
RATE = 25.0  # messages a second: 100 chats take 4 s, long enough to stop the database in


async def populate(
    store: SqlStore, articles: Sequence[NewArticle], chat_ids: Sequence[int]
) -> None:
    """Articles and chats due all day (UTC 00:00), each subscribed to a topic."""
    await store.add_articles(articles)
    for chat_id in chat_ids:
        await add_chat(store, chat_id, timezone="UTC", at=time(0, 0))


def real_pusher(store: SqlStore, bot: Bot, topics: Sequence[Topic], **config: float) -> Pusher:
    """A pusher on the real clock, as the bot and ``deliver --once`` run it."""
    settings = {"rate_per_second": RATE, "concurrency": 8, "batch_size": 40, **config}
    return Pusher(
        store=store,
        bot=bot,
        topics=topics,
        config=PushConfig(**settings),  # type: ignore[arg-type]
        clock=utc_now,
        sleep=asyncio.sleep,
    )


@pytest.fixture
async def pg_store(
    private_postgres: PrivatePostgres, articles: list[NewArticle]
) -> AsyncIterator[SqlStore]:
    """A store on the private server, with 100 due chats."""
    store = await open_store(await private_postgres.create_database("outage"))
    try:
        await populate(store, articles, CHATS)
        yield store
    finally:
        await store.close()


async def outage_during(
    running: asyncio.Future[Any],
    emu: BotApiEmulator,
    *,
    after_sent: int,
    stop: Callable[[], Awaitable[None]],
    start: Callable[[], Awaitable[None]],
    down_for: float,
) -> tuple[int, int]:
    """Start the outage once ``after_sent`` messages went out; end it ``down_for`` s later.

    Returns the messages sent when the outage had begun and when it ended.
    """
    await emu.wait_for(lambda: emu.sent_count >= after_sent or None, timeout=30, what="sends")
    assert not running.done(), "the outage must land mid-push"
    await stop()
    # Sends already past the store (at most one per task in flight) may still land.
    await asyncio.sleep(1.0)
    at_stop = emu.sent_count
    await asyncio.sleep(down_for)
    at_start = emu.sent_count
    await start()
    return at_stop, at_start


async def test_postgresql_stopped_mid_push_every_chat_gets_one_digest(
    private_postgres: PrivatePostgres, pg_store: SqlStore, topics: tuple[Topic, ...]
) -> None:
    """Stopped for 3 s halfway: sending pauses, the marks wait, nothing is sent twice."""
    async with BotApiEmulator(record=False) as emu, Bot(emu.token, base_url=emu.base_url) as bot:
        pusher = real_pusher(pg_store, bot, topics)
        tick = asyncio.create_task(pusher.tick())
        at_stop, at_start = await outage_during(
            tick,
            emu,
            after_sent=30,
            stop=private_postgres.stop_async,
            start=private_postgres.start_async,
            down_for=3.0,
        )
        report = await asyncio.wait_for(tick, 120)
        assert at_start == at_stop, "nothing was sent while the database was down"
        assert report.store_outages >= 1, "the push really met the outage"
        assert report.store_error == ""
        assert dict(report.outcomes) == {"sent": len(CHATS)}, "no sent digest counted failed"
        assert set(emu.sent_per_chat) == set(CHATS)
        assert max(emu.sent_per_chat.values()) == 1
        # Nothing was left claimed to go out again once a lease runs out.
        later = real_pusher(pg_store, bot, topics, lease_seconds=0.0)
        again = await later.tick()
        assert again.sent == 0 and emu.sent_count == len(CHATS)
    assert await pg_store.deliveries.count_by_status() == {"sent": len(CHATS)}


async def test_postgresql_gone_past_the_patience_keeps_the_marks_for_the_next_tick(
    private_postgres: PrivatePostgres, pg_store: SqlStore, topics: tuple[Topic, ...]
) -> None:
    """Down longer than the patience: the tick stops without raising, keeps what it sent,
    writes it first at the next tick, and the next tick sends the rest once."""
    async with BotApiEmulator(record=False) as emu, Bot(emu.token, base_url=emu.base_url) as bot:
        pusher = real_pusher(pg_store, bot, topics, store_patience_seconds=1.0)
        tick = asyncio.create_task(pusher.tick())
        await outage_during(
            tick,
            emu,
            after_sent=30,
            stop=private_postgres.stop_async,
            start=_no_op,
            down_for=2.5,
        )
        first = await asyncio.wait_for(tick, 60)
        assert first.store_error.startswith("the database did not answer"), first.store_error
        assert first.outcomes["failed"] == 0, "no sent digest is counted as failed"
        assert first.outcomes["unsaved"] >= 1, "sent digests were waiting for their marks"
        assert first.sent + first.outcomes["unsaved"] == emu.sent_count
        # A tick while the database is still down says so, and does not raise.
        down = await asyncio.wait_for(pusher.tick(), 30)
        assert down.store_error and emu.sent_count == first.sent + first.outcomes["unsaved"]
        await private_postgres.start_async()
        second = await asyncio.wait_for(pusher.tick(), 120)
        assert second.store_error == ""
        assert set(emu.sent_per_chat) == set(CHATS)
        assert max(emu.sent_per_chat.values()) == 1, "the kept marks were written first"
        # Nothing was left claimed to go out again once a lease runs out.
        later = real_pusher(pg_store, bot, topics, lease_seconds=0.0)
        assert (await later.tick()).sent == 0
        assert max(emu.sent_per_chat.values()) == 1
    assert await pg_store.deliveries.count_by_status() == {"sent": len(CHATS)}


async def _no_op() -> None:
    return None


LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


async def test_sqlite_locked_by_another_process_mid_push(
    tmp_path: Path,
    articles: list[NewArticle],
    topics: tuple[Topic, ...],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another process holds the write lock for 2.5 s: marks wait and retry, none is lost."""
    # Writers give up on the lock after 0.2 s instead of 30, so the lock is met, not waited out.
    monkeypatch.setattr("bot.store.engine.SQLITE_BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "locked.db"
    store = await open_store(f"sqlite:///{path}")
    try:
        await populate(store, articles, CHATS)
        async with (
            BotApiEmulator(record=False) as emu,
            Bot(emu.token, base_url=emu.base_url) as bot,
        ):
            pusher = real_pusher(store, bot, topics)
            tick = asyncio.create_task(pusher.tick())
            locker: list[asyncio.subprocess.Process] = []

            async def lock() -> None:
                proc = await asyncio.create_subprocess_exec(
                    sys.executable, "-c", LOCKER, str(path), "2.5", stdout=asyncio.subprocess.PIPE
                )
                assert proc.stdout is not None
                assert (await proc.stdout.readline()).strip() == b"locked"
                locker.append(proc)

            async def unlock() -> None:
                assert await locker[0].wait() == 0

            at_stop, at_start = await outage_during(
                tick, emu, after_sent=30, stop=lock, start=unlock, down_for=0.5
            )
            report = await asyncio.wait_for(tick, 120)
            assert report.store_outages >= 1, "the push really met the lock"
            assert at_start == at_stop, "nothing was sent while the database was locked"
            assert dict(report.outcomes) == {"sent": len(CHATS)}
            assert set(emu.sent_per_chat) == set(CHATS)
            assert max(emu.sent_per_chat.values()) == 1
        assert await store.deliveries.count_by_status() == {"sent": len(CHATS)}
    finally:
        await store.close()


# -- deliver --once through an outage ----------------------------------------------------


async def deliver_once(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "deliver",
        "--once",
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


def cli_env(emu: BotApiEmulator, url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": emu.token,
        "TELEGRAM_BASE_URL": emu.base_url,
        "DATABASE_URL": url,
        "TOPICS_FILE": str(REPO / "seeds" / "topics.toml"),
        "SEND_RATE_PER_SECOND": str(RATE),
        **extra,
    }


async def test_deliver_once_waits_for_postgresql_and_sends_each_once(
    private_postgres: PrivatePostgres, pg_store: SqlStore
) -> None:
    async with BotApiEmulator(record=False) as emu:
        proc = await deliver_once(cli_env(emu, private_postgres.url(_database(pg_store))))
        waiting = asyncio.create_task(proc.communicate())
        await outage_during(
            waiting,
            emu,
            after_sent=30,
            stop=private_postgres.stop_async,
            start=private_postgres.start_async,
            down_for=3.0,
        )
        out, err = await asyncio.wait_for(waiting, 120)
        assert proc.returncode == 0, err.decode()
        assert "Traceback" not in err.decode()
        assert f"digests: sent {len(CHATS)};" in out.decode()
        assert "database outages" in out.decode()
        assert max(emu.sent_per_chat.values()) == 1 and set(emu.sent_per_chat) == set(CHATS)


async def test_deliver_once_with_postgresql_gone_says_so_in_one_line(
    private_postgres: PrivatePostgres, pg_store: SqlStore
) -> None:
    async with BotApiEmulator(record=False) as emu:
        # A lease of 6 s gives a patience of 2 s.
        env = cli_env(emu, private_postgres.url(_database(pg_store)), DELIVERY_LEASE_SECONDS="6")
        proc = await deliver_once(env)
        waiting = asyncio.create_task(proc.communicate())
        await emu.wait_for(lambda: emu.sent_count >= 30 or None, timeout=30, what="sends")
        await private_postgres.stop_async()
        out, err = await asyncio.wait_for(waiting, 60)
        errors = err.decode().strip().splitlines()
        assert proc.returncode == 1
        assert "Traceback" not in err.decode()
        assert [line for line in errors if line.startswith("error:")] == errors[-1:]
        assert errors[-1].startswith("error: push stopped: the database did not answer")
        assert "digests:" in out.decode().splitlines()[-1]
        assert "failed" not in out.decode().splitlines()[-1]
        assert max(emu.sent_per_chat.values()) == 1
        # Started again with the database still down: one line, no traceback.
        proc = await deliver_once(env)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 1 and "Traceback" not in err.decode()
        assert err.decode().strip().startswith("error: cannot reach the database")


def _database(store: SqlStore) -> str:
    database = store.engine.url.database
    assert database
    return database


# -- the guard on a fake clock -----------------------------------------------------------


async def test_guard_retries_with_backoff_and_holds_sends_meanwhile() -> None:
    clock = FakeClock(utc_now())
    guard = StoreGuard(patience=60, clock=lambda: clock().timestamp(), sleep=clock.sleep)
    failures = [ConnectionRefusedError(111, "refused")] * 4
    attempts: list[float] = []
    sends_done: list[float] = []

    async def flaky() -> str:
        attempts.append(clock().timestamp())
        if failures:
            raise failures.pop()
        return "committed"

    async def send() -> None:
        await guard.wait_until_answering()
        sends_done.append(clock().timestamp())

    call = asyncio.create_task(guard.call("mark sent", flaky))
    await asyncio.sleep(0)
    sender = asyncio.create_task(send())
    assert await call == "committed"
    await sender
    gaps = [round(b - a, 3) for a, b in zip(attempts, attempts[1:], strict=False)]
    assert gaps == [0.25, 0.5, 1.0, 2.0]
    assert sends_done and sends_done[0] >= attempts[-1], "the send waited for the database"
    assert guard.outages == 1 and guard.lost is None


async def test_guard_gives_up_after_its_patience_and_raises_query_errors_at_once() -> None:
    clock = FakeClock(utc_now())
    guard = StoreGuard(patience=10, clock=lambda: clock().timestamp(), sleep=clock.sleep)
    start = clock().timestamp()

    async def down() -> None:
        raise ConnectionRefusedError(111, "refused")

    with pytest.raises(StoreLost, match="did not answer for 10 s"):
        await guard.call("claim", down)
    assert 10 <= clock().timestamp() - start < 16
    with pytest.raises(StoreLost):
        await guard.wait_until_answering()
    calls: list[int] = []

    async def once() -> int:
        calls.append(1)
        return 7

    with pytest.raises(StoreLost):
        await guard.call("release", once)
    assert calls == [], "after giving up, ordinary calls are not even tried"
    assert await guard.call_even_if_lost("mark sent", once) == 7

    async def broken() -> None:
        raise sqlite3.ProgrammingError("a bug, not an outage")

    guard.start_tick()
    with pytest.raises(sqlite3.ProgrammingError):
        await guard.call("read", broken)
    await guard.wait_until_answering()
