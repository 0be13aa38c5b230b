"""/digest by story, paged with a button, against the Bot API emulator (the seeded bot)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.bot.conftest import RunningBot, _running, bot_settings
from tests.botapi.records import SentMessage
from tests.botapi.server import BotApiEmulator


@pytest.fixture
async def one_story_a_page(botapi: BotApiEmulator, database_url: str) -> AsyncIterator[RunningBot]:
    """The bot with DIGEST_MAX_ARTICLES=1: every story the seeds hold is a page of its own."""
    settings = bot_settings(botapi, database_url, mode="polling", digest_max_articles=1)
    async for running in _running(botapi, settings):
        yield running


async def _page(emu: BotApiEmulator, chat: int, after: int) -> list[SentMessage]:
    await emu.wait_for(
        lambda: any("预览" in m.text for m in emu.messages(chat) if m.seq > after) or None
    )
    return [m for m in emu.messages(chat) if m.seq > after]


def _titles(messages: list[SentMessage]) -> list[str]:
    # The bold runs that start entries: the digest's header and category headings aside.
    out = []
    for message in messages:
        for entity in message.entities:
            if entity["type"] != "bold":
                continue
            start, end = entity["offset"], entity["offset"] + entity["length"]
            run = message.text.encode("utf-16-le")[start * 2 : end * 2].decode("utf-16-le")
            if not run.startswith("文摘") and f"🗂 {run}" not in message.text:
                out.append(run)
    return out


async def test_the_next_page_button_shows_the_next_story(
    one_story_a_page: RunningBot, emu: BotApiEmulator
) -> None:
    chat = 5101
    for word in ("/subscribe 党建", "/subscribe 志愿服务"):
        await emu.replies(emu.user_message(chat, word))
    first_action = emu.user_message(chat, "/digest")
    first = await _page(emu, chat, first_action.seq)
    first_titles = _titles(first)
    assert len(first_titles) == 1  # one story a page
    assert first[-1].buttons and first[-1].buttons[0]["text"] == "下一页 ▶"
    pressed = emu.click(first[-1], text="下一页 ▶")
    assert (await emu.callback_answer(pressed)).text in (None, "")
    second = await _page(emu, chat, first[-1].seq)
    second_titles = _titles(second)
    assert len(second_titles) == 1 and second_titles != first_titles
    assert "第 2 页" in second[-1].text

    # Forged page numbers get an answer, never a traceback or a message.
    before = len(emu.messages(chat))
    notices = {
        "1|dp|-1": "这个按钮已过期，请重新发送命令。",
        "1|dp|二": "这个按钮已过期，请重新发送命令。",
        "1|dp|": "这个按钮已过期，请重新发送命令。",
        "1|dp|99999": "没有更多了：这一页的内容已不在预览里（可能已推送过）。",
    }
    for data, notice in notices.items():
        answer = await emu.callback_answer(emu.click(first[-1], data, check=False))
        assert answer.text == notice, data
    assert len(emu.messages(chat)) == before
