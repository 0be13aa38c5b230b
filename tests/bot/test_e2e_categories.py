"""News categories through the real bot and the Bot API emulator: subscribing by name, slug or
deep link, the /topics keyboard (categories first), the digest grouped by category, /stats,
the retag at start, and a bad model file at start."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from bot.app import run_bot
from bot.config import Settings
from bot.ingest import Ingestor, open_store
from bot.ingest.retag import MODEL_VERSION_KEY
from bot.store.records import ArticleCategory
from bot.store.sql_store import SqlStore
from summaries import CategoryModel
from summaries.topics import load_topics
from tests.bot.conftest import ADMIN_ID, REPO, RunningBot, bot_settings, eval_dir
from tests.botapi.records import SentMessage, User
from tests.botapi.server import BotApiEmulator


def _texts(buttons: list[dict[str, Any]]) -> list[str]:
    return [b["text"] for b in buttons]


async def _say(emu: BotApiEmulator, chat_id: int, text: str, **kw: Any) -> SentMessage:
    action = emu.user_message(chat_id, text, **kw)
    return (await emu.replies(action))[-1]


@cache
def _headline(label: str, slug: str) -> str:
    """A real labelled headline of the dev set that the shipped model files under ``slug``
    alone and surely (no close second), so the test does not hang on a borderline one."""
    folder = eval_dir()
    if folder is None or not (folder / "cat_dev.jsonl").is_file():
        pytest.skip("the shared evaluation data (cat_dev.jsonl) is not here")
    model = CategoryModel().load()
    with (folder / "cat_dev.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            if item["label"] != label or len(item["title"]) < 10:
                continue
            result = model.classify(item["title"], item["title"])
            if result.slug == slug and result.confidence >= 0.9 and result.second is None:
                return str(item["title"])
    raise AssertionError(f"no sure {label} headline in cat_dev.jsonl")


async def _ingest_news(database_url: str, folder: Path, titles: list[str]) -> None:
    """Articles made of real headlines (title and a one-line body), stored by the pipeline."""
    folder.mkdir()  # noqa: ASYNC240 - a test's own small files
    for number, title in enumerate(titles):
        brief = folder / f"brief_{number}.txt"
        brief.write_text(f"{title}\n\n{title}。\n", encoding="utf-8")  # noqa: ASYNC240
    store = await open_store(database_url)
    try:
        settings = Settings(_env_file=None, database_url=database_url)  # type: ignore[call-arg]
        topics = load_topics(REPO / "seeds" / "topics.toml")
        report = await Ingestor(store, settings=settings, topics=topics).files([folder])
        assert report.added == len(titles), report
    finally:
        await store.close()


@pytest.fixture
async def store_of(bot: RunningBot) -> AsyncIterator[SqlStore]:
    """A second connection to the running bot's store."""
    store = await open_store(bot.settings.database_url)
    try:
        yield store
    finally:
        await store.close()


async def test_subscribe_to_sports_then_the_digest_has_sports_and_not_finance(
    bot: RunningBot, emu: BotApiEmulator, tmp_path: Path
) -> None:
    sports, finance = _headline("体育", "sports"), _headline("财经", "finance")
    await _ingest_news(bot.settings.database_url, tmp_path / "news", [sports, finance])
    reply = await _say(emu, 7001, "/subscribe 体育")
    assert "已订阅新闻分类 体育" in reply.text
    digest = await _say(emu, 7001, "/digest")
    assert sports in digest.text and finance not in digest.text
    # Grouped under the category's header, in the chat's language.
    assert digest.text.index("🗂 体育") < digest.text.index(sports)
    assert "🗂 财经" not in digest.text
    # A chat following 财经 gets the other one.
    await _say(emu, 7002, "/subscribe finance")
    other = await _say(emu, 7002, "/digest")
    assert finance in other.text and sports not in other.text
    # Search results name the category.
    found = await _say(emu, 7003, f"/search {sports}")
    assert " · 体育" in found.text


async def test_english_names_and_slugs_subscribe_to_categories(
    bot: RunningBot, emu: BotApiEmulator, store_of: SqlStore
) -> None:
    chat = 7101
    en = {"language_code": "en"}
    assert "news category Sports" in (await _say(emu, chat, "/subscribe sports", **en)).text
    assert "news category World" in (await _say(emu, chat, "/subscribe 国际", **en)).text
    assert (
        "news category Real estate" in (await _say(emu, chat, "/subscribe Real Estate", **en)).text
    )
    # A corpus alias is not a category name: 股票 stays a word.
    assert "word" in (await _say(emu, chat, "/subscribe 股票", **en)).text
    # A name both a category and a topic carry (教育) is the category.
    assert "news category Education" in (await _say(emu, chat, "/subscribe 教育", **en)).text
    subs = [(s.kind, s.value) for s in await store_of.list_subscriptions(chat)]
    assert subs == [
        ("category", "sports"),
        ("category", "world"),
        ("category", "realestate"),
        ("category", "education"),
        ("keyword", "股票"),
    ]
    listing = await _say(emu, chat, "/mysubs", **en)
    assert _texts(listing.buttons)[:2] == ["❌ Sports", "❌ World"]
    click = emu.click(listing, text="❌ World", user=User(id=chat, language_code="en"))
    assert (await emu.callback_answer(click)).text == "Removed: World"
    await emu.edits_after(click)
    assert "❌ World" not in _texts(listing.buttons)
    assert "Unsubscribed from" in (await _say(emu, chat, "/unsubscribe 体育", **en)).text
    remaining = [(s.kind, s.value) for s in await store_of.list_subscriptions(chat)]
    assert ("category", "sports") not in remaining and ("category", "world") not in remaining
    help_text = (await _say(emu, chat, "/help", **en)).text
    assert "/subscribe sports" in help_text


async def test_topics_shows_the_categories_first_and_toggles_one(
    bot: RunningBot, emu: BotApiEmulator, store_of: SqlStore
) -> None:
    keyboard = await _say(emu, 7201, "/topics")
    labels = _texts(keyboard.buttons)
    assert labels[:15] == [
        "时政", "国际", "军事", "财经", "科技", "体育", "娱乐", "社会",
        "教育", "文化", "旅游", "汽车", "房产", "游戏", "农业",
    ]  # fmt: skip
    assert labels[15:] == ["下一页 »"]
    assert all(len(b["callback_data"].encode()) <= 64 for b in keyboard.buttons)
    click = emu.click(keyboard, text="体育")
    assert (await emu.callback_answer(click)).text == "已订阅：体育"
    await emu.edits_after(click)
    assert "✅ 体育" in _texts(keyboard.buttons)
    assert [(s.kind, s.value) for s in await store_of.list_subscriptions(7201)] == [
        ("category", "sports")
    ]
    # The fine topics follow on the next pages; 教育 there is the topic, not the category.
    nxt = emu.click(keyboard, text="下一页 »")
    await emu.edits_after(nxt)
    page = _texts(keyboard.buttons)
    assert "党建" in page and "体育" not in page and "✅ 体育" not in page
    off = emu.click(keyboard, text="« 上一页")
    await emu.edits_after(off)
    untoggle = emu.click(keyboard, text="✅ 体育")
    assert (await emu.callback_answer(untoggle)).text == "已取消：体育"
    assert await store_of.list_subscriptions(7201) == []


async def test_deep_link_subscribes_to_a_category(
    bot: RunningBot, emu: BotApiEmulator, store_of: SqlStore
) -> None:
    first, greeting = await emu.replies(emu.user_message(7301, "/start topic_sports"), count=2)
    assert "已订阅新闻分类 体育" in first.text
    assert "✅ 体育" in _texts(greeting.buttons)
    # A topic's slug still works; a category's slug wins where both have it.
    await emu.replies(emu.user_message(7301, "/start topic_volunteer"), count=2)
    await emu.replies(emu.user_message(7301, "/start topic_education"), count=2)
    subs = [(s.kind, s.value) for s in await store_of.list_subscriptions(7301)]
    assert subs == [("category", "sports"), ("category", "education"), ("topic", "volunteer")]


async def test_stats_count_subscriptions_per_category(bot: RunningBot, emu: BotApiEmulator) -> None:
    for chat in (7401, 7402):
        await _say(emu, chat, "/subscribe 体育")
    await _say(emu, 7403, "/subscribe 国际")
    stats = await _say(emu, ADMIN_ID, "/stats")
    section = stats.text.split("各分类订阅")[1].split("各主题订阅")[0]
    assert section.split() == ["体育:", "2", "国际:", "1"]


async def test_the_bot_retags_the_store_on_start_when_the_model_changed(
    emu: BotApiEmulator, database_url: str
) -> None:
    store = await open_store(database_url)
    try:
        right = {a.id: a.category for a in await store.latest_articles(limit=500)}
        assert right and all(right.values())
        await store.set_categories([ArticleCategory(i, "games", 0.1) for i in right])
        await store.set_meta(MODEL_VERSION_KEY, "an-older-model")
        running = RunningBot(bot_settings(emu, database_url, mode="polling"))
        await running.start(emu)
        try:
            version = CategoryModel().version
            # The retag runs in the background: the bot answers meanwhile.
            assert "文摘" in (await _say(emu, 7501, "/start")).text
            for _ in range(300):
                if await store.get_meta(MODEL_VERSION_KEY) == version:
                    break
                await asyncio.sleep(0.1)
            assert await store.get_meta(MODEL_VERSION_KEY) == version
            after = {a.id: a.category for a in await store.latest_articles(limit=500)}
            assert after == right
        finally:
            await running.stop()
    finally:
        await store.close()


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_a_bad_model_file_stops_the_bot_at_start_with_one_line(
    damage: str, emu: BotApiEmulator, database_url: str, tmp_path: Path, capsys: Any
) -> None:
    bad = tmp_path / "model.txt.gz"
    if damage == "corrupt":
        bad.write_bytes(b"\x1f\x8b garbage")
    settings = bot_settings(emu, database_url, mode="polling", category_model_file=bad)
    assert run_bot(settings) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: category model") and str(bad) in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not emu.commands  # it stopped before talking to Telegram
