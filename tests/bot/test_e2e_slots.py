"""/settime with several times, through the real bot and the Bot API emulator."""

from __future__ import annotations

from datetime import time
from typing import Any

from bot.ingest import open_store
from tests.bot.conftest import RunningBot
from tests.botapi.records import SentMessage
from tests.botapi.server import BotApiEmulator


async def _say(emu: BotApiEmulator, chat_id: int, text: str, **kw: Any) -> SentMessage:
    action = emu.user_message(chat_id, text, **kw)
    return (await emu.replies(action))[-1]


async def test_settime_with_two_times_and_the_bad_inputs(
    bot: RunningBot, emu: BotApiEmulator
) -> None:
    chat = 1501
    ok = await _say(emu, chat, "/settime 20:00 08:00")
    assert "08:00、20:00" in ok.text and "上一次推送之后" in ok.text
    # Each bad input says what is wrong and changes nothing.
    twice = await _say(emu, chat, "/settime 09:00 09:00")
    assert "09:00 写了两次" in twice.text and "没有改变" in twice.text
    five = await _say(emu, chat, "/settime 06:00 09:00 12:00 18:00 21:00")
    assert "最多推送 4 次" in five.text and "5 个" in five.text
    broken = await _say(emu, chat, "/settime 07:00 <b>x</b>")
    assert "不是有效的时间" in broken.text and "<b>x</b>" in broken.text
    usage = await _say(emu, chat, "/settime")
    assert "/settime 08:00 20:00" in usage.text
    resumed = await _say(emu, chat, "/resume")
    assert "08:00、20:00" in resumed.text
    en = await _say(emu, 1502, "/settime 07:30, 12:00, 19:45", language_code="en")
    assert "07:30, 12:00, 19:45" in en.text and "since the one before" in en.text
    en_twice = await _say(emu, 1502, "/settime 8:00 08:00", language_code="en")
    assert "08:00 is there twice" in en_twice.text

    store = await open_store(bot.settings.database_url)
    try:
        record = await store.get_chat(chat)
        assert record is not None and record.digest_times == (time(8), time(20))
        english = await store.get_chat(1502)
        assert english is not None
        assert english.digest_times == (time(7, 30), time(12), time(19, 45))
    finally:
        await store.close()
    # One time again: the later slots go.
    single = await _say(emu, chat, "/settime 07:00")
    assert "07:00" in single.text and "、" not in single.text
    store = await open_store(bot.settings.database_url)
    try:
        record = await store.get_chat(chat)
        assert record is not None and record.digest_times == (time(7),)
    finally:
        await store.close()
