"""/exclude, /include, required words (/subscribe 新能源+电池) and their /mysubs buttons, through
the real bot and the Bot API emulator."""

from __future__ import annotations

from typing import Any

from bot.ingest import open_store
from tests.bot.conftest import RunningBot
from tests.botapi.records import SentMessage
from tests.botapi.server import BotApiEmulator


def _texts(buttons: list[dict[str, Any]]) -> list[str]:
    return [b["text"] for b in buttons]


async def _say(emu: BotApiEmulator, chat_id: int, text: str, **kw: Any) -> SentMessage:
    action = emu.user_message(chat_id, text, **kw)
    return (await emu.replies(action))[-1]


async def _preview(emu: BotApiEmulator, chat_id: int) -> str:
    """The whole /digest preview as one text."""
    action = emu.user_message(chat_id, "/digest")
    await emu.wait_for(
        lambda: any("预览" in m.text for m in emu.messages(chat_id) if m.seq > action.seq) or None
    )
    return "\n".join(m.text for m in emu.messages(chat_id) if m.seq > action.seq)


async def test_exclude_include_and_the_mysubs_button(bot: RunningBot, emu: BotApiEmulator) -> None:
    chat = 2301
    assert "已订阅关键词 文明" in (await _say(emu, chat, "/subscribe 文明")).text
    excluded = await _say(emu, chat, "/exclude 华为，ＡＩ  广告")
    assert "已排除 华为、ai、广告" in excluded.text
    again = await _say(emu, chat, "/exclude ai 促销")
    assert "已排除 促销" in again.text and "本来就已排除：ai" in again.text

    listing = await _say(emu, chat, "/mysubs")
    assert _texts(listing.buttons) == [
        "❌ 文明",
        "❌ 🚫 华为",
        "❌ 🚫 ai",
        "❌ 🚫 广告",
        "❌ 🚫 促销",
    ]
    click = emu.click(listing, text="❌ 🚫 ai")
    assert (await emu.callback_answer(click)).text == "已删除：🚫 ai"
    await emu.edits_after(click)
    assert "❌ 🚫 ai" not in _texts(listing.buttons) and "4 个" in listing.text

    included = await _say(emu, chat, "/include 华为 小米")
    assert "已恢复 华为" in included.text and "不在你的排除列表中：小米" in included.text
    listing = await _say(emu, chat, "/mysubs")
    assert _texts(listing.buttons) == ["❌ 文明", "❌ 🚫 广告", "❌ 🚫 促销"]


async def test_an_excluded_word_leaves_the_digest(bot: RunningBot, emu: BotApiEmulator) -> None:
    chat = 2302
    await _say(emu, chat, "/subscribe 文明")
    before = await _preview(emu, chat)
    assert "漯河" in before
    await _say(emu, chat, "/exclude 漯河")
    after = await _preview(emu, chat)
    assert "漯河" not in after


async def test_bad_exclusions_get_a_sentence_and_store_nothing(
    bot: RunningBot, emu: BotApiEmulator
) -> None:
    chat = 2303
    assert "请在命令后写上不想看到的词" in (await _say(emu, chat, "/exclude")).text
    symbols = await _say(emu, chat, "/exclude 华为 !!!")
    assert "只有符号" in symbols.text and "一个也没有保存" in symbols.text
    assert "每个最多 20 个字符" in (await _say(emu, chat, "/exclude " + "长" * 21)).text
    assert "请在命令后写上要恢复的排除词" in (await _say(emu, chat, "/include")).text
    english = await _say(emu, chat, "/exclude ???", language_code="en")
    assert "only symbols" in english.text and "None of these words was saved" in english.text
    assert "还没有任何订阅" in (await _say(emu, chat, "/mysubs")).text

    words = " ".join(f"词{i}" for i in range(199))
    assert "已排除" in (await _say(emu, chat, f"/exclude {words}")).text
    over = await _say(emu, chat, "/exclude 甲 乙")
    assert "排除词最多 200 个" in over.text and "还能再加 1 个" in over.text
    # 199 words do not fit in one message's buttons (Telegram: 100): /mysubs has pages of 40.
    listing = await _say(emu, chat, "/mysubs")
    assert "199 个" in listing.text
    assert _texts(listing.buttons)[0] == "❌ 🚫 词0" and len(listing.buttons) == 41
    assert _texts(listing.buttons)[-1] == "下一页 »"
    for page in range(1, 5):
        click = emu.click(listing, text="下一页 »")
        await emu.callback_answer(click)
        await emu.edits_after(click)
        assert _texts(listing.buttons)[0] == f"❌ 🚫 词{40 * page}"
    assert _texts(listing.buttons)[-2:] == ["❌ 🚫 词198", "« 上一页"]
    # Removing from the last page redraws that page, not the first.
    click = emu.click(listing, text="❌ 🚫 词198")
    assert (await emu.callback_answer(click)).text == "已删除：🚫 词198"
    await emu.edits_after(click)
    assert _texts(listing.buttons)[0] == "❌ 🚫 词160" and "198 个" in listing.text


async def test_required_words_are_one_subscription(bot: RunningBot, emu: BotApiEmulator) -> None:
    chat = 2304
    added = await _say(emu, chat, "/subscribe 新能源+电池")
    assert "已订阅 新能源 + 电池" in added.text and "同时提到" in added.text
    assert "已经订阅" in (await _say(emu, chat, "/subscribe 新能源 + 电池")).text
    for bad in ("+++", "新能源+", "+电池"):
        reply = await _say(emu, chat, f"/subscribe {bad}")
        assert "写法不对" in reply.text and bad in reply.text and "没有保存" in reply.text
    many = await _say(emu, chat, "/subscribe 一+二+三+四+五+六")
    assert "最多 5 个必含词" in many.text
    english = await _say(emu, chat, "/subscribe 新能源+", language_code="en")
    assert "is not written right" in english.text

    listing = await _say(emu, chat, "/mysubs")
    assert _texts(listing.buttons) == ["❌ 新能源 + 电池"]
    click = emu.click(listing, text="❌ 新能源 + 电池")
    assert (await emu.callback_answer(click)).text == "已删除：新能源 + 电池"
    await emu.edits_after(click)
    assert "还没有任何订阅" in listing.text


async def test_a_managed_channel_gets_the_excluded_words(
    bot: RunningBot, emu: BotApiEmulator
) -> None:
    channel, admin = -1001234567001, 2305
    emu.add_channel(channel, "早报频道", username="words_news", creator=admin)
    assert "已关联" in (await _say(emu, admin, "/channel @words_news")).text
    await _say(emu, admin, "/subscribe 文明")
    assert "已排除 漯河" in (await _say(emu, admin, "/exclude 漯河")).text
    store = await open_store(bot.settings.database_url)
    try:
        kinds = [(s.kind, s.value) for s in await store.list_subscriptions(channel)]
        assert kinds == [("keyword", "文明"), ("exclude", "漯河")]
        assert await store.list_subscriptions(admin) == []
        digest = await store.articles_for_chats([channel], limit=20)
        assert digest[channel] and all("漯河" not in a.body for a in digest[channel])
    finally:
        await store.close()
    words = " ".join(f"词{i}" for i in range(60))
    await _say(emu, admin, f"/exclude {words}")
    listing = await _say(emu, admin, "/mysubs")
    assert listing.text.startswith("〔早报频道〕") and "62 个" in listing.text
    labels = _texts(listing.buttons)
    assert "下一页 »" in labels and "✅ 📢 早报频道" in labels  # the picker under the page
    click = emu.click(listing, text="下一页 »")
    await emu.callback_answer(click)
    await emu.edits_after(click)
    labels = _texts(listing.buttons)
    assert labels[0] == "❌ 🚫 词38" and "« 上一页" in labels and "✅ 📢 早报频道" in labels
    assert listing.text.startswith("〔早报频道〕")
    assert "已恢复 漯河" in (await _say(emu, admin, "/include 漯河")).text
