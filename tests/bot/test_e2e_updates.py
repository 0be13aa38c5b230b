"""/updates through the real bot and the Bot API emulator: on, off, its state, bad words, and
that it acts on the chat being managed (a linked channel, a forum topic)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bot.ingest import open_store
from bot.store.records import ChatRecord
from tests.bot.conftest import RunningBot
from tests.botapi import User
from tests.botapi.records import SentMessage
from tests.botapi.server import BotApiEmulator

CHANNEL = -1001234567001
ADMIN = 3301
FORUM = -1009876543001


async def _say(emu: BotApiEmulator, chat_id: int, text: str, **kw: Any) -> SentMessage:
    action = emu.user_message(chat_id, text, **kw)
    return (await emu.replies(action))[-1]


async def _chat(bot: RunningBot, chat_id: int) -> ChatRecord:
    store = await open_store(bot.settings.database_url)
    try:
        record = await store.get_chat(chat_id)
    finally:
        await store.close()
    assert record is not None
    return record


async def _revision(bot: RunningBot, chat_id: int) -> int:
    store = await open_store(bot.settings.database_url)
    try:
        async with store.engine.connect() as conn:
            query = sa.text("SELECT revision FROM chats WHERE id = :id").bindparams(id=chat_id)
            return int((await conn.execute(query)).scalar_one())
    finally:
        await store.close()


async def test_updates_on_off_state_and_bad_words(bot: RunningBot, emu: BotApiEmulator) -> None:
    chat = 3311
    state = await _say(emu, chat, "/updates")
    assert "后续报道：已关闭" in state.text and "/updates on" in state.text
    assert (await _chat(bot, chat)).story_updates is False
    before = await _revision(bot, chat)

    on = await _say(emu, chat, "/updates on")
    assert "已开启后续报道" in on.text
    assert (await _chat(bot, chat)).story_updates is True
    # What the chat receives changed: the revision moves, so a 'nothing new' is checked again.
    after = await _revision(bot, chat)
    assert after == before + 1
    again = await _say(emu, chat, "/updates ON")
    assert "后续报道：已开启" in again.text
    assert await _revision(bot, chat) == after  # nothing changed, no bump
    assert "后续报道：已开启" in (await _say(emu, chat, "/updates")).text

    bad = await _say(emu, chat, "/updates 也许<b>")
    assert "“也许<b>”不是有效的选项" in bad.text  # shown as typed, not as markup
    assert (await _chat(bot, chat)).story_updates is True  # a bad word changes nothing

    off = await _say(emu, chat, "/updates 关闭")
    assert "已关闭后续报道" in off.text
    assert (await _chat(bot, chat)).story_updates is False

    english = await _say(emu, 3312, "/updates maybe", language_code="en")
    assert "is not an option" in english.text and "/updates on" in english.text
    assert "story updates are on" in (await _say(emu, 3312, "/updates on", language_code="en")).text


async def test_updates_act_on_the_managed_channel_and_forum_topic(
    bot: RunningBot, emu: BotApiEmulator
) -> None:
    emu.add_channel(CHANNEL, "晚报频道", username="wanbao_news", creator=ADMIN)
    assert "已关联「晚报频道」" in (await _say(emu, ADMIN, "/channel @wanbao_news")).text
    await _say(emu, ADMIN, "/updates on")
    assert (await _chat(bot, CHANNEL)).story_updates is True
    assert (await _chat(bot, ADMIN)).story_updates is False

    emu.make_forum(FORUM, "新闻组")
    topic = emu.create_topic(FORUM, "本地")
    member = User(id=3302)
    reply = await _say(
        emu, FORUM, "/updates on", chat_type="supergroup", thread_id=topic, user=member
    )
    assert reply.thread_id == topic and "已开启后续报道" in reply.text
    store = await open_store(bot.settings.database_url)
    try:
        (row,) = await store.targets.topics_of(FORUM)
        group = await store.get_chat(FORUM)
    finally:
        await store.close()
    assert row.thread_id == topic and row.story_updates is True
    assert group is None or group.story_updates is False  # the group itself is untouched
