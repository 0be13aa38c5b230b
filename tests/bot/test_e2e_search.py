"""Search through the real bot: plain text, /search, result buttons, inline mode, bad input."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.bot.conftest import RunningBot, eval_dir
from tests.botapi.records import SentMessage, User
from tests.botapi.server import BotApiEmulator


async def _say(emu: BotApiEmulator, chat_id: int, text: str, **kw: Any) -> SentMessage:
    action = emu.user_message(chat_id, text, **kw)
    return (await emu.replies(action))[-1]


def _bold(message: SentMessage) -> list[str]:
    units = message.text.encode("utf-16-le")
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.entities
        if e["type"] == "bold"
    ]


async def test_search_results_and_their_buttons(
    any_mode_bot: RunningBot, emu: BotApiEmulator
) -> None:
    chat = 2001
    page = await _say(emu, chat, "党建")
    assert "党建" in page.text and "第 1–" in page.text
    assert "党建" in _bold(page)  # matched words are bold
    labels = [b["text"] for b in page.buttons]
    assert "全文 1" in labels and "订阅“党建”" in labels

    full = emu.click(page, text="全文 1")
    await emu.callback_answer(full)
    parts = await emu.replies(full)
    assert parts[0].entities and parts[0].entities[0]["type"] == "bold"

    follow = emu.click(page, text="订阅“党建”")
    await emu.callback_answer(follow)
    confirmed = await emu.replies(follow)
    assert "已订阅主题 党建" in confirmed[-1].text

    english = await _say(emu, 2002, "/search 志愿", language_code="en")
    assert "articles" in english.text and "Full text 1" in [b["text"] for b in english.buttons]


async def test_next_page(bot: RunningBot, emu: BotApiEmulator) -> None:
    if eval_dir() is None:
        pytest.skip("the shared eval corpus (more than 5 articles per query) is absent")
    page = await _say(emu, 2051, "中国")
    first = page.text
    nxt = emu.click(page, text="下一页 »")
    await emu.callback_answer(nxt)
    await emu.edits_after(nxt)
    assert page.text != first and "第 6–10" in page.text
    assert "全文 6" in [b["text"] for b in page.buttons]


async def test_long_queries_use_a_remembered_reference(
    bot: RunningBot, emu: BotApiEmulator
) -> None:
    if eval_dir() is None:
        pytest.skip("the shared eval corpus (more than 5 articles per query) is absent")
    words = " ".join(["中国"] * 12)  # 84 bytes: too long for callback data
    page = await _say(emu, 2101, f"/search {words}")
    labels = [b["text"] for b in page.buttons]
    assert not any(label.startswith("订阅“") for label in labels)  # too long to follow
    nxt = [b for b in page.buttons if b["text"] == "下一页 »"]
    assert len(nxt) == 1 and nxt[0]["callback_data"].startswith("1|s|1|~")
    click = emu.click(page, nxt[0]["callback_data"])
    await emu.edits_after(click)
    assert "第 6–" in page.text and words in page.text


async def test_no_hits_and_bad_queries_get_clear_answers(
    any_mode_bot: RunningBot, emu: BotApiEmulator
) -> None:
    chat = 2201
    none = await _say(emu, chat, "量子纠缠超导")
    assert "没有找到" in none.text and "可以试试" in none.text
    for symbols in ("!!!???", "*", '"" - + | ~ ^', "。，、；"):
        reply = await _say(emu, chat, symbols)
        assert "没有可以搜索的文字" in reply.text, symbols
    assert "太长" in (await _say(emu, chat, "字" * 10_000)).text
    assert "请在命令后写上" in (await _say(emu, chat, "/search")).text
    assert "请在命令后写上" in (await _say(emu, chat, "/search    ")).text
    html = await _say(emu, chat, "<b>党建</b> & <script>")
    assert "<b>党建</b> & <script>" in html.text
    emoji = await _say(emu, chat, "😀🎉 志愿")  # the emoji are kept, the word is searched
    assert "“😀🎉 志愿”：共" in emoji.text and "志愿" in _bold(emoji)
    # Operators are words like any other, not syntax: nothing matches all three.
    english = await _say(emu, chat, "AND OR NOT", language_code="en")
    assert "No articles found for “and or not”" in english.text


async def test_no_hit_suggestions_find_articles_in_english_and_chinese(
    any_mode_bot: RunningBot, emu: BotApiEmulator
) -> None:
    english = await _say(emu, 2251, "volunteers", language_code="en")
    assert "No articles found" in english.text
    # Chinese words that match the Chinese articles, with the topic's name for the reader.
    assert "You could try: 志愿服务 (Volunteering)" in english.text
    assert "Volunteering," not in english.text.split("志愿服务")[0]
    click = emu.click(english, text="🔍 志愿服务", user=User(2251, language_code="en"))
    await emu.callback_answer(click)
    await emu.edits_after(click)
    assert "“志愿服务”" in english.text and "articles, 1–" in english.text

    chinese = await _say(emu, 2252, "量子纠缠超导")
    assert "没有找到" in chinese.text and "可以试试：" in chinese.text
    suggested = chinese.text.split("可以试试：")[1].split("、")
    labels = [b["text"] for b in chinese.buttons]
    assert labels == [f"🔍 {word}" for word in suggested]
    for word in suggested:  # every suggestion finds something
        page = await _say(emu, 2253, word)
        assert "第 1–" in page.text, word


async def test_forged_and_stale_buttons(bot: RunningBot, emu: BotApiEmulator) -> None:
    page = await _say(emu, 2301, "党建")
    stale = "这个按钮已过期，请重新发送命令。"
    notices = {
        "garbage": stale,
        "1|a|notanumber": stale,
        "0|t|party|0": stale,
        "9|zz": stale,
        "1|a|99999999": "这篇文章已不存在。",
        "1|s|0|~deadbeef0000": "这次搜索已过期，请重新搜索。",
        "1|t|nosuchtopic|0": stale,
        "<b>&": stale,
        "1|rm|k|ffffffffffff": stale,
    }
    for data, notice in notices.items():
        click = emu.click(page, data, check=False)
        answer = await emu.callback_answer(click)
        assert answer.text == notice, data
    # A notice and nothing else: no message, no edit.
    assert emu.messages(2301) == [page] and emu.edits == []


async def test_inline_mode(any_mode_bot: RunningBot, emu: BotApiEmulator) -> None:
    found = await emu.inline_answer(emu.inline_query("志愿"))
    assert 0 < len(found.results) <= 20
    assert all(text for text in found.texts)
    newest = await emu.inline_answer(emu.inline_query(""))
    assert 0 < len(newest.results) <= 20
    nothing = await emu.inline_answer(
        emu.inline_query("量子纠缠超导", user=User(1, language_code="en"))
    )
    assert len(nothing.results) == 1 and "No articles" in nothing.results[0]["title"]
    # Nothing searchable in it: the newest articles, as for an empty query.
    symbols = await emu.inline_answer(emu.inline_query("<>&*"))
    assert [r["id"] for r in symbols.results] == [r["id"] for r in newest.results]


async def test_twenty_chats_at_once(bot: RunningBot, emu: BotApiEmulator) -> None:
    chats = range(3000, 3020)
    starts = [emu.user_message(c, "/start", language_code="en" if c % 2 else None) for c in chats]
    searches = [emu.user_message(c, "党建") for c in chats]
    await asyncio.gather(*(emu.replies(a, count=2, timeout=20) for a in starts))
    await asyncio.gather(*(emu.replies(a, timeout=20) for a in searches))
    for chat in chats:
        # Each chat gets its own greeting, in its user's language, then its own results.
        greeting, results = emu.messages(chat)
        assert ("Hello" in greeting.text) == bool(chat % 2)
        assert "“党建”" in results.text and greeting.seq < results.seq
