"""Flood control through the real bot: one user's flood costs the others nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.ingest import open_store
from tests.bot.conftest import ADMIN_ID, RunningBot, _running, bot_settings
from tests.botapi.records import SentMessage, User
from tests.botapi.server import BotApiEmulator

BURST = 5
TOO_FAST = "你发得太快了"


@pytest.fixture
async def strict_bot(emu: BotApiEmulator, database_url: str) -> AsyncIterator[RunningBot]:
    """The bot with a burst of 5 and a refill so slow that none comes during a test."""
    settings = bot_settings(emu, database_url, mode="polling", flood_burst=BURST, flood_rate=0.01)
    async for running in _running(emu, settings):
        yield running


async def _say(emu: BotApiEmulator, chat_id: int, text: str, **kw: Any) -> SentMessage:
    action = emu.user_message(chat_id, text, **kw)
    return (await emu.replies(action, timeout=20))[-1]


async def test_two_hundred_searches_from_one_user_do_not_hold_up_another(
    strict_bot: RunningBot, emu: BotApiEmulator
) -> None:
    flooder, other = 6001, 6002
    for _ in range(200):
        emu.user_message(flooder, "党建")
    help_reply = await _say(emu, other, "/help")
    assert "/settime" in help_reply.text
    # Updates are handled in order, so everything the flooder got came before this reply.
    flooded = emu.messages(flooder)
    assert all(m.seq < help_reply.seq for m in flooded)
    assert len(flooded) == BURST + 1
    assert all("党建" in m.text for m in flooded[:BURST])
    assert TOO_FAST in flooded[-1].text
    # The other user is not slowed: each message answered at once.
    for text in ("/help", "志愿", "/mysubs"):
        assert (await _say(emu, other, text)).text
    # The flooder stays ignored, without another notice, until the bucket refills.
    emu.user_message(flooder, "志愿")
    await _say(emu, other, "/help")
    assert len(emu.messages(flooder)) == BURST + 1


async def test_a_button_pressed_in_a_flood_is_answered_but_not_acted_on(
    strict_bot: RunningBot, emu: BotApiEmulator
) -> None:
    chat = 6101
    keyboard = await _say(emu, chat, "/topics")
    for _ in range(BURST):  # the four tokens left, then the notice
        emu.user_message(chat, "/help")
    await emu.wait_for(lambda: any(TOO_FAST in m.text for m in emu.messages(chat)) or None)
    click = emu.click(keyboard, text="体育")
    answer = await emu.callback_answer(click)
    assert answer.text is not None and TOO_FAST in answer.text
    await _say(emu, 6102, "/help")  # handled after the click
    assert [e for e in emu.edits if e.chat_id == chat] == []
    store = await open_store(strict_bot.settings.database_url)
    try:
        assert await store.list_subscriptions(chat) == []
    finally:
        await store.close()


async def test_admins_are_not_throttled(strict_bot: RunningBot, emu: BotApiEmulator) -> None:
    for _ in range(20):
        emu.user_message(ADMIN_ID, "/help")
    await _say(emu, 6201, "/help")  # everything the admin sent has been handled
    replies = emu.messages(ADMIN_ID)
    assert len(replies) == 20 and not any(TOO_FAST in m.text for m in replies)


async def test_a_group_shares_one_bucket_and_chatter_costs_nothing(
    strict_bot: RunningBot, emu: BotApiEmulator
) -> None:
    group = -100_6301
    kw: dict[str, Any] = {"chat_type": "supergroup", "title": "新闻组"}
    for _ in range(20):
        emu.user_message(group, "大家好，今天天气不错", user=User(6311), **kw)
    for member in (6312, 6313):
        for _ in range(3):
            emu.user_message(group, "/help@wenzhai_test_bot", user=User(member), **kw)
    await _say(emu, 6302, "/help")  # the group's messages have all been handled
    replies = emu.messages(group)
    assert len(replies) == BURST + 1
    assert all("/settime" in m.text for m in replies[:BURST])
    assert TOO_FAST in replies[-1].text
    # One member's flood in the group leaves the others' private chats alone.
    assert "/settime" in (await _say(emu, 6312, "/help")).text
