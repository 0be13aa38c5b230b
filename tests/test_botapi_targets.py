"""The emulator's channels, members, forum topics and removed bots, driven by the real PTB."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, ChatMemberAdministrator, ChatMemberOwner
from telegram.error import BadRequest, Forbidden, RetryAfter

from tests.botapi import BotApiEmulator, RateLimits, User

pytest_plugins = ["tests.botapi.fixtures"]

CHANNEL = -1001234567890
FORUM = -1009876543210


@pytest.fixture
async def bot(botapi: BotApiEmulator) -> AsyncIterator[Bot]:
    """A real PTB Bot pointed at the emulator."""
    async with Bot(botapi.token, base_url=botapi.base_url) as client:
        yield client


async def test_get_chat_member_answers_configured_statuses(
    botapi: BotApiEmulator, bot: Bot
) -> None:
    botapi.add_channel(CHANNEL, "早报频道", username="zaobao", creator=7, admins=(8,))
    botapi.set_member(CHANNEL, 9, "member")
    owner = await bot.get_chat_member("@zaobao", 7)
    admin = await bot.get_chat_member(CHANNEL, 8)
    me = await bot.get_chat_member(CHANNEL, bot.id)
    assert isinstance(owner, ChatMemberOwner)
    assert isinstance(admin, ChatMemberAdministrator) and admin.can_post_messages
    assert isinstance(me, ChatMemberAdministrator) and me.can_post_messages
    assert (await bot.get_chat_member(CHANNEL, 9)).status == "member"
    assert (await bot.get_chat_member(CHANNEL, 10)).status == "left"
    chat = await bot.get_chat("@ZaoBao")  # usernames are case-insensitive
    assert (chat.id, chat.type, chat.title) == (CHANNEL, "channel", "早报频道")


async def test_unknown_channel_and_user_are_refused(botapi: BotApiEmulator, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.get_chat("@nosuchchannel")
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.get_chat_member(-1005550001, 7)
    # A channel where the bot is no administrator hides its members.
    botapi.add_channel(CHANNEL, username="closed", creator=7, bot_status="left")
    with pytest.raises(BadRequest, match="(?i)member list is inaccessible"):
        await bot.get_chat_member(CHANNEL, 7)
    assert (await bot.get_chat_member(CHANNEL, bot.id)).status == "left"


async def test_channel_post_arrives_and_bot_posts_as_the_channel(
    botapi: BotApiEmulator, bot: Bot
) -> None:
    botapi.add_channel(CHANNEL, "早报频道", creator=7)
    botapi.channel_post(CHANNEL, "今日要闻")
    updates = await bot.get_updates()
    post = updates[-1].channel_post
    assert post is not None and post.text == "今日要闻" and post.sender_chat is not None
    assert post.sender_chat.id == CHANNEL
    sent = await bot.send_message(CHANNEL, "<b>早报</b>", parse_mode="HTML")
    assert sent.chat.type == "channel" and sent.from_user is None
    assert botapi.messages(CHANNEL)[0].text == "早报"


async def test_bot_without_post_right_or_removed_is_refused(
    botapi: BotApiEmulator, bot: Bot
) -> None:
    botapi.add_channel(CHANNEL, creator=7, bot_can_post=False)
    with pytest.raises(BadRequest, match="(?i)need administrator rights in the channel chat"):
        await bot.send_message(CHANNEL, "早报")
    botapi.set_bot_status(CHANNEL, "administrator", can_post_messages=True)
    await bot.send_message(CHANNEL, "早报")
    botapi.remove_bot(CHANNEL, kicked=False)
    with pytest.raises(Forbidden, match="bot is not a member of the channel chat"):
        await bot.send_message(CHANNEL, "早报")
    botapi.remove_bot(CHANNEL)
    with pytest.raises(Forbidden, match="bot was kicked from the channel chat"):
        await bot.send_message(CHANNEL, "早报")
    group = -1001112223334
    botapi.add_chat(group, "supergroup")
    botapi.set_member(group, bot.id, "restricted", can_send_messages=False)
    with pytest.raises(BadRequest, match="(?i)not enough rights"):
        await bot.send_message(group, "早报")
    assert len(botapi.messages()) == 1
    assert [e.code for e in botapi.rejections] == [400, 403, 403, 400]


async def test_removal_can_announce_itself(botapi: BotApiEmulator, bot: Bot) -> None:
    botapi.add_channel(CHANNEL, creator=7)
    botapi.remove_bot(CHANNEL, notify=True)
    (update,) = await bot.get_updates()
    change = update.my_chat_member
    assert change is not None and change.chat.id == CHANNEL
    assert change.old_chat_member.status == "administrator"
    assert change.new_chat_member.status == "kicked"


async def test_forum_topics_carry_thread_ids_both_ways(botapi: BotApiEmulator, bot: Bot) -> None:
    botapi.make_forum(FORUM, "读书会")
    economy = botapi.create_topic(FORUM, "经济")
    tech = botapi.create_topic(FORUM, "科技")
    assert economy != tech
    botapi.user_message(FORUM, "/mysubs", chat_type="supergroup", thread_id=tech, user=User(5))
    (update,) = await bot.get_updates()
    message = update.message
    assert message is not None and message.is_topic_message
    assert message.message_thread_id == tech and message.chat.is_forum
    sent = await bot.send_message(FORUM, "科技早报", message_thread_id=tech)
    assert sent.message_thread_id == tech and sent.is_topic_message
    assert botapi.messages(FORUM)[0].thread_id == tech
    with pytest.raises(BadRequest, match="(?i)message thread not found"):
        await bot.send_message(FORUM, "早报", message_thread_id=tech + 100)
    botapi.delete_topic(FORUM, economy)
    with pytest.raises(BadRequest, match="(?i)message thread not found"):
        await bot.send_message(FORUM, "早报", message_thread_id=economy)
    # A group without topics has no threads either.
    with pytest.raises(BadRequest, match="(?i)message thread not found"):
        await bot.send_message(-1005550002, "早报", message_thread_id=1)
    with pytest.raises(ValueError, match="no topic"):
        botapi.user_message(FORUM, "hi", chat_type="supergroup", thread_id=economy)


async def test_forwarded_channel_post_names_the_channel(botapi: BotApiEmulator, bot: Bot) -> None:
    botapi.add_channel(CHANNEL, "早报频道", creator=7)
    botapi.forward_post(7, CHANNEL, "转发的文章")
    (update,) = await bot.get_updates()
    assert update.message is not None
    origin = update.message.forward_origin
    assert origin is not None and origin.type == "channel"
    assert origin.chat.id == CHANNEL  # type: ignore[attr-defined]


async def test_channels_count_like_groups_in_the_limits(botapi: BotApiEmulator, bot: Bot) -> None:
    now = [1000.0]
    botapi.clock = lambda: now[0]
    botapi.rate_limits = RateLimits(per_group_per_minute=20)
    botapi.add_channel(CHANNEL, creator=7)
    for i in range(20):
        now[0] += 0.5
        await bot.send_message(CHANNEL, f"第{i}条")
    now[0] += 0.5
    with pytest.raises(RetryAfter):
        await bot.send_message(CHANNEL, "太多了")
    now[0] += 60
    await bot.send_message(CHANNEL, "又可以了")
    assert botapi.sent_per_chat[CHANNEL] == 21
