"""Digests for linked channels and forum topics: set up through the bot, sent by the push."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telegram import Bot

from bot.delivery.push import PushConfig, Pusher
from bot.ingest import open_store
from bot.store.sql_store import SqlStore
from summaries.topics import load_topics
from tests.bot.conftest import REPO, RunningBot
from tests.botapi import User
from tests.botapi.records import SentMessage
from tests.botapi.server import BotApiEmulator
from tests.delivery.conftest import FakeClock

CHANNEL = -1001234567890
ADMIN = 3301
FORUM = -1009876543210


async def _say(emu: BotApiEmulator, chat_id: int, text: str, **kw: Any) -> SentMessage:
    action = emu.user_message(chat_id, text, **kw)
    return (await emu.replies(action))[-1]


@pytest.fixture
async def store(bot: RunningBot) -> AsyncIterator[SqlStore]:
    """The running bot's store, opened by the test."""
    opened = await open_store(bot.settings.database_url)
    try:
        yield opened
    finally:
        await opened.close()


def _pusher(store: SqlStore, client: Bot, clock: FakeClock) -> Pusher:
    return Pusher(
        store=store,
        bot=client,
        topics=load_topics(REPO / "seeds" / "topics.toml"),
        config=PushConfig(rate_per_second=1000),
        clock=clock,
        sleep=clock.sleep,
        worker_id="test-push",
    )


async def test_channel_digest_then_revoked_bot_is_marked_and_admin_told_once(
    bot: RunningBot, emu: BotApiEmulator, store: SqlStore
) -> None:
    emu.add_channel(CHANNEL, "早报频道", username="zaobao_news", creator=ADMIN)
    for command in ("/channel @zaobao_news", "/subscribe 志愿服务", "/timezone UTC"):
        await _say(emu, ADMIN, command)
    await _say(emu, ADMIN, "/settime 00:00")
    clock = FakeClock(datetime.now(UTC))
    async with Bot(emu.token, base_url=emu.base_url) as client:
        pusher = _pusher(store, client, clock)
        report = await pusher.tick()
        assert report.outcomes["sent"] == 1
        (post,) = emu.messages(CHANNEL)
        assert "志愿" in post.text and post.thread_id is None
        assert emu.chat(CHANNEL)["type"] == "channel"  # a post of the channel itself
        # The channel removes the bot; the next day's digest meets a 403.
        emu.remove_bot(CHANNEL)
        clock.set(clock.now + timedelta(days=1))
        await _new_article(store)
        report = await pusher.tick()
        assert report.outcomes["blocked"] == 1
        told = [m for m in emu.messages(ADMIN) if "已不能在「早报频道」发消息" in m.text]
        assert len(told) == 1
        channel = await store.get_chat(CHANNEL)
        assert channel is not None and channel.rights_lost_at is not None
        # Not retried: later ticks and days leave it alone, and the admin hears nothing more.
        for _ in range(3):
            clock.set(clock.now + timedelta(hours=9))
            assert sum((await pusher.tick()).outcomes.values()) == 0
        assert len([m for m in emu.messages(ADMIN) if "已不能在" in m.text]) == 1
    refused = [(e.method, e.code) for e in emu.rejections]
    assert refused == [("sendMessage", 403)]
    emu.errors.clear()
    # The admin adds the bot back and links again: the channel is pushed again.
    emu.set_bot_status(CHANNEL, "administrator")
    assert "已关联" in (await _say(emu, ADMIN, "/channel @zaobao_news")).text
    restored = await store.get_chat(CHANNEL)
    assert restored is not None and restored.rights_lost_at is None


async def _new_article(store: SqlStore) -> None:
    """One more article (volunteer topic, about 漯河), so that digests are due again."""
    from bot.store.records import NewArticle
    from summaries.tokens import search_tokens

    title = "漯河社区志愿服务队走进养老院"
    body = (
        "周末，社区志愿服务队来到养老院，为老人理发、打扫房间，陪老人聊天。"
        "志愿者说，志愿服务让社区更温暖。"
    )
    await store.add_articles(
        [
            NewArticle(
                title=title,
                body=body,
                digest=(body[:40],),
                keywords=("志愿服务",),
                topics=("volunteer",),
                source="test",
                content_hash=f"volunteer-{datetime.now(UTC).timestamp()}",
                title_tokens=tuple(search_tokens(title)),
                body_tokens=tuple(search_tokens(body)),
            )
        ]
    )


async def test_forum_topics_get_their_own_digests_in_their_own_threads(
    bot: RunningBot, emu: BotApiEmulator, store: SqlStore
) -> None:
    emu.make_forum(FORUM, "读书会")
    volunteer = emu.create_topic(FORUM, "志愿")
    city = emu.create_topic(FORUM, "漯河")
    member = User(id=3401)
    plans = {volunteer: "/subscribe 志愿服务", city: "/subscribe 漯河"}
    for thread, subscribe in plans.items():
        for command in (subscribe, "/timezone UTC", "/settime 00:00"):
            reply = await _say(
                emu, FORUM, command, chat_type="supergroup", thread_id=thread, user=member
            )
            assert reply.thread_id == thread
    emu.reset_records()
    clock = FakeClock(datetime.now(UTC))
    async with Bot(emu.token, base_url=emu.base_url) as client:
        report = await _pusher(store, client, clock).tick()
        again = await _pusher(store, client, clock).tick()
    assert report.outcomes["sent"] == 2 and sum(again.outcomes.values()) == 0
    by_thread = {m.thread_id: m.text for m in emu.messages(FORUM)}
    assert set(by_thread) == {volunteer, city} and len(emu.messages(FORUM)) == 2
    assert "漯河" in by_thread[city]
    assert by_thread[volunteer] != by_thread[city]
    # A deleted topic: its digest is dropped (the topic row blocked), the other goes on.
    emu.delete_topic(FORUM, city)
    await _new_article(store)
    clock.set(clock.now + timedelta(days=1))
    async with Bot(emu.token, base_url=emu.base_url) as client:
        report = await _pusher(store, client, clock).tick()
    assert report.outcomes["sent"] == 1 and report.outcomes["blocked"] == 1
    assert [e.description for e in emu.rejections] == ["Bad Request: message thread not found"]
    emu.errors.clear()
