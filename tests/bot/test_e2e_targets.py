"""Channels linked from a private chat, and forum topics, through the real bot and emulator."""

from __future__ import annotations

from typing import Any

from bot.ingest import open_store
from tests.bot.conftest import RunningBot
from tests.botapi import User
from tests.botapi.records import SentMessage
from tests.botapi.server import BotApiEmulator

CHANNEL = -1001234567890
ADMIN = 3101
STRANGER = 3102
FORUM = -1009876543210


async def _say(emu: BotApiEmulator, chat_id: int, text: str, **kw: Any) -> SentMessage:
    action = emu.user_message(chat_id, text, **kw)
    return (await emu.replies(action))[-1]


async def _subscriptions(bot: RunningBot, chat_id: int) -> list[str]:
    store = await open_store(bot.settings.database_url)
    try:
        return [s.value for s in await store.list_subscriptions(chat_id)]
    finally:
        await store.close()


async def test_admin_links_channel_and_manages_it_from_private_chat(
    bot: RunningBot, emu: BotApiEmulator
) -> None:
    emu.add_channel(CHANNEL, "早报频道", username="zaobao_news", creator=ADMIN)
    linked = await _say(emu, ADMIN, "/channel @zaobao_news")
    assert "已关联「早报频道」" in linked.text
    # Now the private chat's commands act on the channel.
    subscribed = await _say(emu, ADMIN, "/subscribe 志愿服务")
    assert "志愿服务" in subscribed.text
    assert await _subscriptions(bot, CHANNEL) == ["volunteer"]
    assert await _subscriptions(bot, ADMIN) == []
    settime = await _say(emu, ADMIN, "/settime 07:15")
    assert "07:15" in settime.text
    mysubs = await _say(emu, ADMIN, "/mysubs")
    assert mysubs.text.startswith("〔早报频道〕")
    labels = [b["text"] for b in mysubs.buttons]
    assert "✅ 📢 早报频道" in labels and "💬 私聊" in labels
    # Back to the private chat with the picker: its own subscriptions again.
    switch = emu.click(mysubs, text="💬 私聊")
    assert (await emu.callback_answer(switch)).text == "现在管理：私聊"
    await _say(emu, ADMIN, "/subscribe 经济")
    assert await _subscriptions(bot, CHANNEL) == ["volunteer"]
    assert await _subscriptions(bot, ADMIN) != []
    listing = await _say(emu, ADMIN, "/channel")
    assert "现在管理的是：私聊" in listing.text
    pick = emu.click(listing, text="📢 早报频道")
    await emu.edits_after(pick)
    assert "现在管理的是：早报频道" in listing.text
    store = await open_store(bot.settings.database_url)
    try:
        managed = await store.targets.managing(ADMIN)
        assert managed is not None and managed.id == CHANNEL  # stored: survives a restart
        channel = await store.get_chat(CHANNEL)
        assert channel is not None and channel.digest_time.strftime("%H:%M") == "07:15"
    finally:
        await store.close()
    # /unlink with the picker: the channel is no longer managed from here.
    pick_unlink = await _say(emu, ADMIN, "/unlink")
    click = emu.click(pick_unlink, text="❌ 早报频道")
    await emu.edits_after(click)
    assert "已取消关联「早报频道」" in pick_unlink.text
    await _say(emu, ADMIN, "/subscribe 科技")
    assert await _subscriptions(bot, CHANNEL) == ["volunteer"]


async def test_link_refusals_say_why_and_store_nothing(
    bot: RunningBot, emu: BotApiEmulator
) -> None:
    emu.add_channel(CHANNEL, "早报频道", username="zaobao_news", creator=ADMIN)
    emu.set_member(CHANNEL, STRANGER, "member")
    cases = {
        (STRANGER, "/channel @zaobao_news"): "你不是「早报频道」的管理员",
        (ADMIN, "/channel @nosuch_channel"): "找不到「@nosuch_channel」",
        (ADMIN, "/channel 早报"): "不是频道或群组",
        (ADMIN, "/channel 12345"): "不是频道或群组",
        (ADMIN, "/unlink @zaobao_news"): "你没有关联「@zaobao_news」",
    }
    for (user, command), expected in cases.items():
        assert expected in (await _say(emu, user, command)).text, command
    mute = -1001234567000
    emu.add_channel(mute, "静音频道", username="mute_channel", creator=ADMIN, bot_can_post=False)
    assert "没有发消息的权限" in (await _say(emu, ADMIN, "/channel @mute_channel")).text
    absent = -1001234567111
    emu.add_channel(absent, "没有机器人", creator=ADMIN, bot_status="left")
    assert "我还不在「没有机器人」里" in (await _say(emu, ADMIN, f"/channel {absent}")).text
    group = -1001234567222
    emu.add_chat(group, "supergroup", title="群")
    in_group = await _say(emu, group, "/channel @zaobao_news", chat_type="supergroup")
    assert "私聊" in in_group.text
    # The lookup of an unknown channel is the only request Telegram refused; expected here.
    lookups = [(e.method, e.params.get("chat_id")) for e in emu.rejections]
    assert lookups == [("getChat", "@nosuch_channel")]
    emu.errors.clear()
    store = await open_store(bot.settings.database_url)
    try:
        for user in (ADMIN, STRANGER):
            assert await store.targets.linked(user) == []
        for chat_id in (CHANNEL, mute, absent):
            assert await store.get_chat(chat_id) is None
    finally:
        await store.close()


async def test_forwarded_post_links_its_channel(bot: RunningBot, emu: BotApiEmulator) -> None:
    emu.add_channel(CHANNEL, "早报频道", creator=7, admins=(ADMIN,))
    action = emu.forward_post(ADMIN, CHANNEL, "今天的新闻")
    (reply,) = await emu.replies(action)
    assert "已关联「早报频道」" in reply.text


async def test_removed_bot_marks_channel_and_tells_admin_once(
    bot: RunningBot, emu: BotApiEmulator
) -> None:
    emu.add_channel(CHANNEL, "早报频道", creator=ADMIN)
    await _say(emu, ADMIN, f"/channel {CHANNEL}")
    emu.remove_bot(CHANNEL, notify=True)
    told = await emu.wait_for(
        lambda: [m for m in emu.messages(ADMIN) if "已不能在「早报频道」发消息" in m.text] or None
    )
    assert len(told) == 1
    emu.set_bot_status(CHANNEL, "left", notify=True)  # a second removal notice: no second word
    await _say(emu, ADMIN, "/help")
    assert len([m for m in emu.messages(ADMIN) if "已不能在" in m.text]) == 1
    # Demoted in another channel: no right to post any more, so the admin hears of it too.
    other = -1001234567999
    emu.add_channel(other, "晚报频道", creator=ADMIN)
    await _say(emu, ADMIN, f"/channel {other}")
    emu.set_bot_status(other, "administrator", can_post_messages=False, notify=True)
    await emu.wait_for(
        lambda: [m for m in emu.messages(ADMIN) if "已不能在「晚报频道」" in m.text] or None
    )
    store = await open_store(bot.settings.database_url)
    try:
        for chat_id in (CHANNEL, other):
            channel = await store.get_chat(chat_id)
            assert channel is not None and channel.rights_lost_at is not None
        # Promoted back: pushed again, without a word to anyone.
        emu.set_bot_status(other, "administrator", notify=True)
        await _say(emu, ADMIN, "/help")
        restored = await store.get_chat(other)
        assert restored is not None and restored.rights_lost_at is None
    finally:
        await store.close()


async def test_forum_topics_each_keep_their_own_subscriptions(
    bot: RunningBot, emu: BotApiEmulator
) -> None:
    emu.make_forum(FORUM, "读书会")
    economy = emu.create_topic(FORUM, "经济")
    tech = emu.create_topic(FORUM, "科技")
    member = User(id=3201)
    # The group's own settings (its General topic) are what a new topic starts from.
    zone = await _say(emu, FORUM, "/timezone Europe/Berlin", chat_type="supergroup", user=member)
    assert "Europe/Berlin" in zone.text
    first = await _say(
        emu, FORUM, "/subscribe 志愿服务", chat_type="supergroup", thread_id=economy, user=member
    )
    assert first.thread_id == economy and "志愿服务" in first.text
    second = await _say(
        emu, FORUM, "/subscribe 芯片", chat_type="supergroup", thread_id=tech, user=member
    )
    assert second.thread_id == tech
    mysubs = await _say(emu, FORUM, "/mysubs", chat_type="supergroup", thread_id=tech, user=member)
    labels = " ".join(b["text"] for b in mysubs.buttons)
    assert mysubs.thread_id == tech and "芯片" in labels and "志愿服务" not in labels
    general = await _say(emu, FORUM, "/mysubs", chat_type="supergroup", user=member)
    assert general.thread_id is None and "还没有任何订阅" in general.text
    store = await open_store(bot.settings.database_url)
    try:
        rows = {row.thread_id: row for row in await store.targets.topics_of(FORUM)}
        assert set(rows) == {economy, tech}
        assert [s.value for s in await store.list_subscriptions(rows[economy].id)] == ["volunteer"]
        assert [s.value for s in await store.list_subscriptions(rows[tech].id)] == ["芯片"]
        assert {row.timezone for row in rows.values()} == {"Europe/Berlin"}
    finally:
        await store.close()


async def test_group_admin_links_a_group_where_the_bot_may_send(
    bot: RunningBot, emu: BotApiEmulator
) -> None:
    """A group, not a channel: its admin links it; a member, or a group muting the bot, is
    refused."""
    group = -1005550000001
    emu.add_chat(group, "supergroup", title="读报小组", username="dubao_group")
    emu.set_member(group, ADMIN, "administrator")
    emu.set_member(group, STRANGER, "member")
    emu.set_member(group, emu.bot_user["id"], "member")
    refused = await _say(emu, STRANGER, "/channel @dubao_group")
    assert "你不是「读报小组」的管理员" in refused.text
    muted = -1005550000002
    emu.add_chat(muted, "supergroup", title="禁言群", username="muted_group")
    emu.set_member(muted, ADMIN, "creator")
    emu.set_member(muted, emu.bot_user["id"], "restricted", can_send_messages=False)
    assert "没有发消息的权限" in (await _say(emu, ADMIN, "/channel @muted_group")).text
    linked = await _say(emu, ADMIN, "/channel @dubao_group")
    assert "已关联「读报小组」" in linked.text
    await _say(emu, ADMIN, "/subscribe 志愿服务")
    assert await _subscriptions(bot, group) == ["volunteer"]
    assert await _subscriptions(bot, ADMIN) == []
    store = await open_store(bot.settings.database_url)
    try:
        assert await store.get_chat(muted) is None
        assert [chat.id for chat in await store.targets.linked(STRANGER)] == []
    finally:
        await store.close()
