"""Feeds through the real bot and the Bot API emulator: the catalogue, feeds for every chat,
OPML files in and out, /feeds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.ingest import open_store
from bot.sources.feed_store import FeedStore
from tests.bot.conftest import ADMIN_ID, REPO, RunningBot, _running, bot_settings
from tests.botapi import User
from tests.botapi.records import SentMessage
from tests.botapi.server import BotApiEmulator


def _texts(buttons: list[dict[str, Any]]) -> list[str]:
    return [b["text"] for b in buttons]


async def _say(emu: BotApiEmulator, chat_id: int, text: str, **kw: Any) -> SentMessage:
    action = emu.user_message(chat_id, text, **kw)
    return (await emu.replies(action))[-1]


@pytest.fixture
async def catalogue_bot(botapi: BotApiEmulator, database_url: str) -> AsyncIterator[RunningBot]:
    """The bot with the shipped catalogue file (CATALOGUE=none: nothing enabled, no polls)."""
    settings = bot_settings(
        botapi, database_url, mode="polling", catalogue_file=REPO / "seeds" / "feeds.toml"
    )
    async for running in _running(botapi, settings):
        yield running


async def test_admin_browses_the_catalogue_and_toggles_an_entry(
    catalogue_bot: RunningBot, emu: BotApiEmulator
) -> None:
    menu = await _say(emu, ADMIN_ID, "/catalogue")
    assert "订阅源目录" in menu.text
    assert "科技 (8)" in _texts(menu.buttons) and "综合 (2)" in _texts(menu.buttons)
    for button in menu.buttons:
        assert len(button["callback_data"].encode()) <= 64

    tech = emu.click(menu, text="科技 (8)")
    await emu.edits_after(tech)
    assert "36氪" in _texts(menu.buttons) and "« 返回类别" in _texts(menu.buttons)

    toggle = emu.click(menu, text="36氪")
    assert (await emu.callback_answer(toggle)).text == "已启用：36氪"
    await emu.edits_after(toggle)
    assert "✅ 36氪" in _texts(menu.buttons)

    store = await open_store(catalogue_bot.settings.database_url)
    try:
        feeds = await (await FeedStore.open(store)).list()
        assert [(f.slug, f.url, f.category) for f in feeds] == [
            ("36kr", "https://36kr.com/feed", "tech")
        ]
    finally:
        await store.close()

    off = emu.click(menu, text="✅ 36氪")
    assert (await emu.callback_answer(off)).text == "已停用：36氪"

    # Not an admin: /catalogue is an unknown command, and its buttons do nothing.
    stranger = await _say(emu, 5151, "/catalogue")
    assert "我不认识这个命令" in stranger.text
    forged = emu.click(menu, text="36氪", user=User(id=5151))
    assert (await emu.callback_answer(forged)).text == "这个按钮已过期，请重新发送命令。"
