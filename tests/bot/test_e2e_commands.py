"""Users talk to the real bot through the Bot API emulator: commands, keyboards, settings."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bot.app import run_bot
from bot.config import Settings
from bot.ingest import open_store
from tests.bot.conftest import ADMIN_ID, REPO, WEBHOOK_SECRET, RunningBot
from tests.botapi.records import SentMessage
from tests.botapi.server import BotApiEmulator


def _texts(buttons: list[dict[str, Any]]) -> list[str]:
    return [b["text"] for b in buttons]


async def _say(emu: BotApiEmulator, chat_id: int, text: str, **kw: Any) -> SentMessage:
    action = emu.user_message(chat_id, text, **kw)
    return (await emu.replies(action))[-1]


async def test_start_in_chinese_and_english_with_menu(
    any_mode_bot: RunningBot, emu: BotApiEmulator
) -> None:
    zh = await _say(emu, 1001, "/start")
    assert "文摘" in zh.text and "/help" in zh.text
    labels = _texts(zh.buttons)
    # The news categories come first; the fine topics are on the pages after.
    assert labels[:3] == ["时政", "国际", "军事"] and "体育" in labels and "下一页 »" in labels
    en = await _say(emu, 1002, "/start", language_code="en")
    assert "Hello" in en.text and "Sports" in _texts(en.buttons)
    help_en = await _say(emu, 1002, "/help", language_code="en-US")
    assert "/settime" in help_en.text and "@wenzhai_test_bot" in help_en.text
    zh_menu = [c["command"] for c in emu.get_commands(language_code="zh")]
    en_menu = emu.get_commands(language_code="en")
    assert "subscribe" in zh_menu and "timezone" in zh_menu
    assert any(c["description"] == "Search the news" for c in en_menu)


async def test_deep_link_subscribes_and_start_unblocks(
    bot: RunningBot, emu: BotApiEmulator
) -> None:
    action = emu.user_message(1101, "/start topic_volunteer")
    first, greeting = await emu.replies(action, count=2)
    assert "志愿服务" in first.text and "已订阅" in first.text
    assert "下一页 »" in _texts(greeting.buttons)  # the topics are after the categories
    unknown = emu.user_message(1101, "/start topic_nope")
    assert "没有找到这个分类或主题" in (await emu.replies(unknown, count=2))[0].text

    store = await open_store(bot.settings.database_url)
    try:
        from datetime import UTC, datetime

        await store.mark_blocked(1101, at=datetime.now(UTC))
        assert (await store.get_chat(1101)).blocked_at is not None  # type: ignore[union-attr]
        await emu.replies(emu.user_message(1101, "/start"))
        chat = await store.get_chat(1101)
        assert chat is not None and chat.blocked_at is None and chat.active
    finally:
        await store.close()


async def test_topic_keyboard_toggles_in_place_and_pages(
    any_mode_bot: RunningBot, emu: BotApiEmulator
) -> None:
    keyboard = await _say(emu, 1201, "/topics")
    to_topics = emu.click(keyboard, text="下一页 »")  # past the news categories
    await emu.edits_after(to_topics)
    click = emu.click(keyboard, text="志愿服务")
    answer = await emu.callback_answer(click)
    assert answer.text == "已订阅：志愿服务"
    await emu.edits_after(click)
    assert "✅ 志愿服务" in _texts(keyboard.buttons)
    nxt = emu.click(keyboard, text="下一页 »")
    await emu.edits_after(nxt)
    page2 = _texts(keyboard.buttons)
    assert "« 上一页" in page2 and "医疗健康" in page2 and "志愿服务" not in page2
    back = emu.click(keyboard, text="« 上一页")
    await emu.edits_after(back)
    off = emu.click(keyboard, text="✅ 志愿服务")
    assert (await emu.callback_answer(off)).text == "已取消：志愿服务"
    await emu.wait_for(lambda: "志愿服务" in _texts(keyboard.buttons) or None)
    empty = await _say(emu, 1201, "/mysubs")
    assert "还没有任何订阅" in empty.text


async def test_subscribe_unsubscribe_mysubs_and_limits(
    bot: RunningBot, emu: BotApiEmulator
) -> None:
    chat = 1301
    assert "已订阅主题 乡村振兴" in (await _say(emu, chat, "/subscribe 乡村振兴")).text
    assert "已订阅主题 志愿服务" in (await _say(emu, chat, "/subscribe Volunteer")).text
    keyword = await _say(emu, chat, "/subscribe  ＡＩ芯片 ")
    assert "已订阅关键词 ai芯片" in keyword.text
    assert "已经订阅" in (await _say(emu, chat, "/subscribe ai芯片")).text
    assert "没有可以搜索的文字" in (await _say(emu, chat, "/subscribe !!!???")).text
    assert "最多 20 个字符" in (await _say(emu, chat, "/subscribe " + "长" * 21)).text
    assert "请在命令后写上" in (await _say(emu, chat, "/subscribe")).text
    assert "没有订阅" in (await _say(emu, chat, "/unsubscribe 教育")).text
    assert "已取消订阅 乡村振兴" in (await _say(emu, chat, "/unsubscribe rural")).text

    listing = await _say(emu, chat, "/mysubs")
    assert "2 个" in listing.text
    assert _texts(listing.buttons) == ["❌ 志愿服务", "❌ ai芯片"]
    click = emu.click(listing, text="❌ ai芯片")
    assert (await emu.callback_answer(click)).text == "已删除：ai芯片"
    await emu.edits_after(click)
    assert _texts(listing.buttons) == ["❌ 志愿服务"] and "1 个" in listing.text
    again = emu.click(listing, listing.buttons[0]["callback_data"])
    await emu.callback_answer(again)
    stale = emu.click(listing, listing.buttons[0]["callback_data"], check=False)
    assert "过期" in ((await emu.callback_answer(stale)).text or "")

    # 50 subscriptions at most: 50 words, then one too many.
    actions = [emu.user_message(chat, f"/subscribe 词{i}") for i in range(51)]
    replies = await emu.replies(actions[0], count=51, timeout=20)
    assert "上限" in replies[-1].text and "50" in replies[-1].text
    assert all("已订阅关键词" in r.text for r in replies[:-1])


async def test_settings_commands_and_bad_times(
    any_mode_bot: RunningBot, emu: BotApiEmulator
) -> None:
    chat = 1401
    for bad in ("24:00", "7:5", "25:61", "eight", "<b>8</b>&"):
        reply = await _say(emu, chat, f"/settime {bad}")
        assert "不是有效的时间" in reply.text and bad in reply.text
    assert "07:30" in (await _say(emu, chat, "/settime 07:30")).text
    assert "请写上时间" in (await _say(emu, chat, "/settime")).text
    utc8 = await _say(emu, chat, "/timezone UTC+8")
    assert "Etc/GMT-8" in utc8.text and "UTC+8" in utc8.text
    beijing = await _say(emu, chat, "/timezone 北京")
    assert "Asia/Shanghai" in beijing.text and "北京" in beijing.text
    ny = await _say(emu, chat, "/timezone New York", language_code="en")
    assert "America/New_York" in ny.text
    for bad in ("Mars/Olympus", "UTC+15", "<i>x</i>"):
        assert "无法识别时区" in (await _say(emu, chat, f"/timezone {bad}")).text
    assert "已暂停" in (await _say(emu, chat, "/pause")).text
    assert "本来就是暂停" in (await _say(emu, chat, "/pause")).text
    resumed = await _say(emu, chat, "/resume")
    assert "已恢复" in resumed.text and "07:30" in resumed.text
    assert "America/New_York" in resumed.text


async def test_digest_preview(bot: RunningBot, emu: BotApiEmulator) -> None:
    chat = 1501
    assert "没有符合你订阅的新文章" in (await _say(emu, chat, "/digest")).text
    await _say(emu, chat, "/subscribe 党建")
    await _say(emu, chat, "/subscribe 志愿服务")
    action = emu.user_message(chat, "/digest")
    parts = await emu.replies(action)
    await emu.wait_for(lambda: any("预览" in m.text for m in emu.messages(chat)) or None)
    parts = [m for m in emu.messages(chat) if m.seq > action.seq]
    joined = "\n".join(m.text for m in parts)
    assert "文摘 · " in joined and "党建" in joined
    assert any(e["type"] == "bold" for m in parts for e in m.entities)
    # A preview records no delivery: asking again shows the same articles.
    again = emu.user_message(chat, "/digest")
    await emu.wait_for(
        lambda: sum("预览" in m.text for m in emu.messages(chat) if m.seq > again.seq) or None
    )
    second = "\n".join(m.text for m in emu.messages(chat) if m.seq > again.seq)
    assert second == joined


async def test_admin_commands_only_for_admins(bot: RunningBot, emu: BotApiEmulator) -> None:
    stats = await _say(emu, ADMIN_ID, "/stats")
    assert "文章：" in stats.text and "聊天：" in stats.text
    assert "我不认识这个命令" in (await _say(emu, 1601, "/stats")).text
    assert "我不认识这个命令" in (await _say(emu, 1601, f"/ingest {REPO / 'seeds'}")).text
    seeds = await _say(emu, ADMIN_ID, f"/ingest {REPO / 'seeds'}", language_code="en")
    assert "Added 0" in seeds.text
    missing = await _say(emu, ADMIN_ID, "/ingest /no/such/folder")
    assert "拒绝" in missing.text and "/no/such/folder" in missing.text
    assert "用法" in (await _say(emu, ADMIN_ID, "/ingest")).text


async def test_unknown_commands_and_group_etiquette(bot: RunningBot, emu: BotApiEmulator) -> None:
    assert "我不认识这个命令" in (await _say(emu, 1701, "/frobnicate")).text
    group = -100_555
    kw: dict[str, Any] = {"chat_type": "supergroup", "title": "新闻组"}
    emu.user_message(group, "大家好，今天天气不错", **kw)
    emu.user_message(group, "/help@some_other_bot", **kw)
    emu.user_message(group, "/frobnicate", **kw)
    addressed = emu.user_message(group, "/help@wenzhai_test_bot", **kw)
    emu.user_message(group, "/topics@wenzhai_test_bot", **kw)
    replies = await emu.replies(addressed, count=2)
    assert emu.messages(group) == replies  # nothing for the chatter before them
    assert "/settime" in replies[0].text and "体育" in _texts(replies[1].buttons)
    unknown = await _say(emu, group, "/frobnicate@wenzhai_test_bot", **kw)
    assert "我不认识这个命令" in unknown.text
    mention = await _say(emu, group, "@wenzhai_test_bot 志愿服务", **kw)
    assert "志愿服务" in mention.text and mention.entities
    subscribed = await _say(emu, group, "/subscribe@wenzhai_test_bot 党建", **kw)
    assert "已订阅主题 党建" in subscribed.text


async def test_webhook_refuses_a_wrong_secret(botapi: BotApiEmulator, database_url: str) -> None:
    from tests.bot.conftest import _running, bot_settings

    settings = bot_settings(botapi, database_url, mode="webhook")
    async for _running_bot in _running(botapi, settings):
        assert botapi.webhook.secret_token == WEBHOOK_SECRET
        update = {
            "update_id": 999_999,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 1801, "type": "private"},
                "text": "/start",
            },
        }
        async with httpx.AsyncClient() as client:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                response = await client.post(
                    str(settings.webhook_url), json=update, headers=headers
                )
                assert response.status_code == 403
        ok = await _say(botapi, 1802, "/help")
        assert "/settime" in ok.text
        assert botapi.messages(1801) == []


async def test_a_failed_send_is_logged_and_the_user_told(
    bot: RunningBot, emu: BotApiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    emu.fail(400, "Bad Request: chat not found", times=1, chat_id=1901, method="sendMessage")
    reply = await _say(emu, 1901, "/help")
    assert reply.text == "抱歉，出了点问题，请稍后再试。"
    assert any(r.exc_info for r in caplog.records if r.name == "bot.handlers.fallback")
    assert emu.token not in caplog.text


def test_run_bot_without_token_explains_botfather(capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(_env_file=None, telegram_bot_token=None)  # type: ignore[call-arg]
    assert run_bot(settings) == 2
    err = capsys.readouterr().err
    assert "@BotFather" in err and "/newbot" in err and "TELEGRAM_BOT_TOKEN" in err


async def test_huge_and_hostile_arguments_get_clear_answers(
    bot: RunningBot, emu: BotApiEmulator
) -> None:
    chat = 2401
    huge = "字" * 10_000
    expected = {
        "/subscribe": "最多 20 个字符",
        "/unsubscribe": "你没有订阅",
        "/settime": "不是有效的时间",
        "/timezone": "无法识别时区",
        "/start topic_": "没有找到这个分类或主题",
    }
    for command, answer in expected.items():
        deep_link = command.endswith("_")
        action = emu.user_message(chat, command + ("" if deep_link else " ") + huge)
        # /start also greets after saying the topic does not exist.
        replies = await emu.replies(action, count=2 if deep_link else 1)
        assert answer in replies[0].text, command
        assert len(replies[0].text) < 200, command
    tagged = await _say(emu, chat, "/subscribe <b>x</b>&", language_code="en")
    assert "<b>x</b>&" in tagged.text
    emoji = await _say(emu, chat, "/subscribe 😀🎉")
    assert "没有可以搜索的文字" in emoji.text


async def test_a_group_that_becomes_a_supergroup_keeps_its_subscriptions(
    bot: RunningBot, emu: BotApiEmulator
) -> None:
    old, new = -2501, -100_2501
    kw: dict[str, Any] = {"chat_type": "group", "title": "新闻组"}
    assert "已订阅主题 党建" in (await _say(emu, old, "/subscribe 党建", **kw)).text
    service = {
        "message_id": 99,
        "date": 0,
        "from": {"id": 10_001, "is_bot": False, "first_name": "Test"},
        "chat": {"id": old, "type": "group", "title": "新闻组"},
        "migrate_to_chat_id": new,
    }
    emu.enqueue("message", service, old)
    kw["chat_type"] = "supergroup"
    listing = await _say(emu, new, "/mysubs@wenzhai_test_bot", **kw)
    assert [b["text"] for b in listing.buttons] == ["❌ 党建"]


def test_run_bot_refuses_a_webhook_without_its_secret(capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, telegram_bot_token="1:x", webhook_url="https://example.com/telegram"
    )
    assert run_bot(settings) == 2
    assert "WEBHOOK_SECRET" in capsys.readouterr().err
