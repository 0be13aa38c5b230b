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
    """The bot with the shipped catalogue file (CATALOGUE=none: nothing enabled, no polls).

    Names are not looked up (ALLOW_PRIVATE_SOURCES=1): this machine has no DNS to ask.
    """
    settings = bot_settings(
        botapi,
        database_url,
        mode="polling",
        catalogue_file=REPO / "seeds" / "feeds.toml",
        allow_private_sources=True,
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


def _document_of(emu: BotApiEmulator, chat_id: int) -> Any:
    found = [d for d in emu.documents if d.chat_id == chat_id]
    return found[-1] if found else None


async def test_a_chat_follows_feeds_imports_and_exports_opml(
    catalogue_bot: RunningBot, emu: BotApiEmulator
) -> None:
    chat = 7001
    added = await _say(emu, chat, "/subscribe https://feeds.example.cn/rss.xml")
    assert "已订阅订阅源" in added.text and "feeds.example.cn" in added.text
    again = await _say(emu, chat, "/subscribe https://feeds.example.cn/rss.xml")
    assert "你已经订阅了这个订阅源" in again.text
    refused = await _say(emu, chat, "/subscribe rsshub://caixin/latest")
    assert "RSSHUB_BASE_URL" in refused.text
    dots = await _say(emu, chat, "/subscribe rsshub://a/../b")
    assert "无法订阅" in dots.text

    upload = emu.user_document(
        chat,
        "My Feeds.OPML",
        b'<?xml version="1.0"?><opml version="1.0"><body>'
        b'<outline text="\xe4\xbd\x93\xe8\x82\xb2">'
        b'<outline text="Sports" xmlUrl="https://sports.example.cn/rss"/></outline>'
        b'<outline text="same" xmlUrl="https://feeds.example.cn/rss.xml"/>'
        b'<outline text="bad" xmlUrl="javascript:alert(1)"/></body></opml>',
    )
    (answer,) = await emu.replies(upload)
    assert "新增 1 个，已存在 1 个，拒绝 1 个" in answer.text
    assert "javascript:" in answer.text

    broken = emu.user_document(chat, "broken.opml", b"<opml><body>")
    (answer,) = await emu.replies(broken)
    assert answer.text.startswith("无法导入这个文件：the file is not valid XML")

    huge = emu.user_document(chat, "huge.opml", b"<opml/>", declared_size=20 * 1024 * 1024)
    (answer,) = await emu.replies(huge)
    assert "20.0 MB" in answer.text and "2.0 MB" in answer.text

    mysubs = await _say(emu, chat, "/mysubs")
    labels = _texts(mysubs.buttons)
    # The file named the feed that had no title yet: the name is kept.
    assert "❌ 📰 same" in labels
    assert "❌ 📰 Sports" in labels

    export = emu.user_message(chat, "/export")
    document = await emu.wait_for(lambda: _document_of(emu, chat), what="the OPML file")
    assert export.seq < document.seq
    assert document.filename == "wenzhai-feeds.opml" and "2 个" in document.caption
    assert b'xmlUrl="https://sports.example.cn/rss"' in document.body
    assert '<outline text="体育"'.encode() in document.body

    remove = emu.click(mysubs, text="❌ 📰 Sports")
    assert (await emu.callback_answer(remove)).text == "已删除：📰 Sports"
    await emu.edits_after(remove)
    assert "❌ 📰 Sports" not in _texts(mysubs.buttons)

    gone = await _say(emu, chat, "/unsubscribe https://feeds.example.cn/rss.xml")
    assert "已取消订阅订阅源" in gone.text
    empty = await _say(emu, chat, "/export")
    assert "没有可导出的内容" in empty.text


@pytest.fixture
async def admins_only_bot(botapi: BotApiEmulator, database_url: str) -> AsyncIterator[RunningBot]:
    """MULTIUSER=0: only admins manage feeds."""
    settings = bot_settings(
        botapi, database_url, mode="polling", multiuser=False, allow_private_sources=True
    )
    async for running in _running(botapi, settings):
        yield running


async def test_multiuser_off_keeps_feeds_to_admins(
    admins_only_bot: RunningBot, emu: BotApiEmulator
) -> None:
    refused = await _say(emu, 7101, "/subscribe https://feeds.example.cn/rss.xml")
    assert "只允许管理员管理订阅源" in refused.text
    upload = emu.user_document(7101, "a.opml", b"<opml/>")
    assert "只允许管理员" in (await emu.replies(upload))[0].text
    # Topics and words stay open to everyone.
    topic = await _say(emu, 7101, "/subscribe 志愿服务")
    assert "已订阅主题" in topic.text
    admin = await _say(emu, ADMIN_ID, "/subscribe https://feeds.example.cn/rss.xml")
    assert "已订阅订阅源" in admin.text
    table = await _say(emu, ADMIN_ID, "/feeds")
    assert "https://feeds.example.cn/rss.xml" in table.text and "尚未抓取" in table.text
    assert "近 7 天 0 篇 · 每 10h 抓取 · 1 个聊天订阅" in table.text
