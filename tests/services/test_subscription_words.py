"""Excluded words (/exclude, /include) and required words (/subscribe 新能源+电池), from the
service down to both digest queries (the push's batch and /digest's single chat), on SQLite and
PostgreSQL, on real Chinese sentences and the seed page."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.services.chats import ChatRef, ChatService
from bot.services.subscriptions import (
    MAX_EXCLUDED_WORDS,
    MAX_SUBSCRIPTIONS,
    SubscriptionService,
)
from bot.store import SqlStore
from bot.store.records import NewArticle, StoredArticle
from bot.store.schema import chats as chats_table
from summaries import split_page
from summaries.tokens import search_tokens
from summaries.topics import load_topics

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "seeds" / "000_a9c33694dae72277.txt"
TOPICS = load_topics(REPO / "seeds" / "topics.toml")
CHAT = ChatRef(7001, "private", "zh")
OTHER = ChatRef(7002, "private", "zh")
START = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)


def _article(title: str, body: str, *, minutes: int) -> NewArticle:
    return NewArticle(
        title=title,
        body=body,
        digest=(body.split("。")[0] + "。",),
        keywords=(),
        topics=(),
        source="test",
        content_hash=hashlib.sha256(f"{title}\n{body}".encode()).hexdigest(),
        published_at=START + timedelta(minutes=minutes),
        title_tokens=tuple(search_tokens(title)),
        body_tokens=tuple(search_tokens(body)),
    )


# Realistic news sentences; each names what it is about.
NEWS = {
    "huawei": _article(
        "华为发布新款折叠屏手机",
        "华为公司今天在深圳发布新款折叠屏手机，搭载自研芯片，售价与上一代持平。",
        minutes=1,
    ),
    # 中华为世界: jieba cuts 中华 / 为, so 华为 is not a word of this article.
    "culture": _article(
        "传统文化走向世界",
        "弘扬中华优秀传统文化，让中华为世界文明进步贡献力量，国产手机厂商也在海外推广非遗。",
        minutes=2,
    ),
    "ai_chip": _article(
        "国产AI芯片出货量快速增长",
        "今年前三季度，国产AI芯片出货量快速增长，多家厂商扩大产能。",
        minutes=3,
    ),
    "said_chip": _article(
        "芯片供应仍然偏紧",
        "An analyst said 芯片 supply is tight；业内人士表示，汽车芯片供应仍然偏紧。",
        minutes=4,
    ),
    "lower_ai": _article(
        "ai 芯片创业公司融资",
        "一家 ai 芯片创业公司完成新一轮融资，资金将用于研发。",
        minutes=5,
    ),
    "both": _article(
        "新能源汽车销量增长",
        "新能源汽车销量增长，动力电池产能随之扩张，多家企业公布扩产计划。",
        minutes=6,
    ),
    "energy_only": _article(
        "新能源发电装机容量再创新高",
        "截至上月底，全国新能源发电装机容量再创新高，风电和光伏占比持续上升。",
        minutes=7,
    ),
    "battery_only": _article(
        "固态电池研发取得突破",
        "研究团队宣布固态电池研发取得突破，能量密度明显提高。",
        minutes=8,
    ),
}


@pytest.fixture
def subs(store: SqlStore) -> SubscriptionService:
    """Subscriptions over the shipped topic list."""
    chats = ChatService(store, default_timezone="Asia/Shanghai", default_digest_time=time(8))
    return SubscriptionService(store, chats, TOPICS)


@pytest.fixture
async def ids(store: SqlStore) -> dict[str, int]:
    """The NEWS articles stored; their ids by name."""
    result = await store.add_articles(list(NEWS.values()))
    return {name: i for name, i in zip(NEWS, result.ids, strict=True) if i is not None}


async def _digest(store: SqlStore, chat: ChatRef, limit: int = 20) -> list[StoredArticle]:
    """The push's batch answer for the chat, checked against /digest's single-chat answer."""
    batch = (await store.articles_for_chats([chat.id, OTHER.id], limit=limit))[chat.id]
    single = await store.articles_for_chat(chat.id, limit=limit)
    assert [a.id for a in batch] == [a.id for a in single]
    # A window of one candidate makes the batch look further back round after round.
    narrow = await store.articles_for_chats([chat.id], limit=limit, first_window=1)
    assert [a.id for a in narrow[chat.id]] == [a.id for a in single]
    return batch


async def _names(store: SqlStore, ids: dict[str, int], chat: ChatRef = CHAT) -> set[str]:
    by_id = {i: name for name, i in ids.items()}
    return {by_id[a.id] for a in await _digest(store, chat)}


async def _revision(store: SqlStore, chat: ChatRef = CHAT) -> int:
    async with store.engine.connect() as conn:
        stmt = sa.select(chats_table.c.revision).where(chats_table.c.id == chat.id)
        return int((await conn.execute(stmt)).scalar_one())


async def test_an_excluded_word_removes_an_otherwise_matching_article(
    store: SqlStore, subs: SubscriptionService, ids: dict[str, int]
) -> None:
    await subs.subscribe(CHAT, "手机")
    await subs.subscribe(OTHER, "手机")
    assert await _names(store, ids) == {"huawei", "culture"}
    outcome = await subs.exclude(CHAT, "华为")
    assert (outcome.status, outcome.added) == ("added", ("华为",))
    # 华为 inside 中华为世界 is no word of that article: only the Huawei article goes.
    assert await _names(store, ids) == {"culture"}
    assert await _names(store, ids, OTHER) == {"huawei", "culture"}  # another chat's words
    # Whatever else matches: a topic-like keyword in the title does not bring it back.
    await subs.subscribe(CHAT, "折叠屏")
    assert await _names(store, ids) == {"culture"}


async def test_a_latin_word_is_excluded_whole_and_in_any_case(
    store: SqlStore, subs: SubscriptionService, ids: dict[str, int]
) -> None:
    await subs.subscribe(CHAT, "芯片")
    assert await _names(store, ids) == {"huawei", "ai_chip", "said_chip", "lower_ai"}
    assert (await subs.exclude(CHAT, "AI")).added == ("ai",)
    # "AI芯片" and "ai 芯片" go; "said" holds the letters a-i but is another word.
    assert await _names(store, ids) == {"huawei", "said_chip"}


async def test_include_undoes_and_both_change_the_revision(
    store: SqlStore, subs: SubscriptionService, ids: dict[str, int]
) -> None:
    await subs.subscribe(CHAT, "芯片")
    before = await _revision(store)
    outcome = await subs.exclude(CHAT, "华为，ai、 研发")
    assert outcome.added == ("华为", "ai", "研发")
    assert await _revision(store) == before + 1  # one change, one bump
    assert await _names(store, ids) == {"said_chip"}
    again = await subs.exclude(CHAT, "ai 华为")
    assert (again.status, again.added, again.existing) == ("exists", (), ("ai", "华为"))
    assert await _revision(store) == before + 1  # nothing changed
    undone = await subs.include(CHAT, "ai 小米")
    assert (undone.status, undone.removed, undone.missing) == ("removed", ("ai",), ("小米",))
    assert await _revision(store) == before + 2
    assert await _names(store, ids) == {"said_chip", "ai_chip"}
    assert (await subs.include(CHAT, "小米")).status == "missing"
    assert await _revision(store) == before + 2
    # The /mysubs ❌ path removes an excluded word too, and bumps the revision.
    assert await subs.remove(CHAT, "exclude", "华为") is not None
    assert await _revision(store) == before + 3
    assert await _names(store, ids) == {"said_chip", "ai_chip", "huawei"}
    listed = [(s.kind, s.value) for s in await subs.list(CHAT)]
    assert listed == [("keyword", "芯片"), ("exclude", "研发")]  # excluded words last


async def test_excluded_words_alone_bring_no_digest(
    store: SqlStore, subs: SubscriptionService, ids: dict[str, int]
) -> None:
    await subs.exclude(CHAT, "华为")
    assert await _digest(store, CHAT) == []


async def test_required_words_must_all_occur(
    store: SqlStore, subs: SubscriptionService, ids: dict[str, int]
) -> None:
    outcome = await subs.subscribe(CHAT, " 新能源＋电池 ")
    assert outcome.status == "added" and outcome.target is not None
    assert (outcome.target.kind, outcome.target.value) == ("keyword", "新能源 + 电池")
    listed = [(s.kind, s.value) for s in await subs.list(CHAT)]
    assert listed == [("keyword", "新能源 + 电池")]  # one subscription
    assert await _names(store, ids) == {"both"}
    assert (await subs.subscribe(CHAT, "新能源 + 电池")).status == "exists"
    assert (await subs.unsubscribe(CHAT, "新能源+电池")).status == "removed"
    assert await _digest(store, CHAT) == []
    # Each word alone is the wider match.
    await subs.subscribe(CHAT, "电池")
    assert await _names(store, ids) == {"both", "battery_only"}
    # And an excluded word still wins over required words.
    await subs.subscribe(CHAT, "新能源+电池")
    await subs.exclude(CHAT, "动力电池")
    assert await _names(store, ids) == {"battery_only"}


@pytest.mark.parametrize("bad", ["+++", "新能源+", "+电池", "新能源++电池", "+"])
async def test_malformed_required_words_store_nothing(
    store: SqlStore, subs: SubscriptionService, bad: str
) -> None:
    outcome = await subs.subscribe(CHAT, bad)
    assert outcome.status == "required_bad"
    assert await store.list_subscriptions(CHAT.id) == []


async def test_required_word_limits_and_c_plus_plus(
    store: SqlStore, subs: SubscriptionService
) -> None:
    assert (await subs.subscribe(CHAT, "一+二+三+四+五+六")).status == "required_many"
    symbols = await subs.subscribe(CHAT, "新能源+!!!")
    assert symbols.status == "no_tokens" and symbols.target is not None
    assert symbols.target.value == "!!!"
    assert (await subs.subscribe(CHAT, "新能源+" + "长" * 21)).status == "too_long"
    assert await store.list_subscriptions(CHAT.id) == []
    # A + inside a word is no separator; a doubled word is the word.
    assert (await subs.subscribe(CHAT, "C++")).status == "added"
    assert (await subs.subscribe(CHAT, "电池+电池")).status == "added"
    values = [s.value for s in await store.list_subscriptions(CHAT.id)]
    assert values == ["c++", "电池"]


@pytest.mark.parametrize(
    ("raw", "status", "word"),
    [
        ("", "empty", ""),
        (" ，、 ", "empty", ""),
        ("华为 ！！！", "no_tokens", "!!!"),
        ("华为 " + "长" * 21, "too_long", "长" * 21),
    ],
)
async def test_bad_exclusions_store_nothing(
    store: SqlStore, subs: SubscriptionService, raw: str, status: str, word: str
) -> None:
    outcome = await subs.exclude(CHAT, raw)
    assert (outcome.status, outcome.word) == (status, word)
    assert await store.list_subscriptions(CHAT.id) == []


async def test_at_most_200_excluded_words_all_or_nothing(
    store: SqlStore, subs: SubscriptionService
) -> None:
    first = " ".join(f"词{i}" for i in range(MAX_EXCLUDED_WORDS - 2))
    assert len((await subs.exclude(CHAT, first)).added) == MAX_EXCLUDED_WORDS - 2
    revision = await _revision(store)
    over = await subs.exclude(CHAT, "甲 乙 丙 词0")
    assert (over.status, over.room, over.existing) == ("limit", 2, ("词0",))
    assert await _revision(store) == revision
    excluded = [s for s in await store.list_subscriptions(CHAT.id) if s.kind == "exclude"]
    assert len(excluded) == MAX_EXCLUDED_WORDS - 2  # none of 甲 乙 丙
    assert (await subs.exclude(CHAT, "甲 乙")).status == "added"
    assert (await subs.exclude(CHAT, "丙")).status == "limit"
    # Excluded words have their own limit: keywords can still be added, up to theirs.
    for n in range(MAX_SUBSCRIPTIONS):
        assert (await subs.subscribe(CHAT, f"关键{n}")).status == "added"
    assert (await subs.subscribe(CHAT, "再来一个")).status == "limit"
    assert (await subs.include(CHAT, "甲")).status == "removed"
    assert (await subs.exclude(CHAT, "丙")).status == "added"


async def test_excluding_a_place_removes_seed_page_articles(
    store: SqlStore, subs: SubscriptionService
) -> None:
    """The seed page: 文明 matches several articles; excluding 漯河 drops those about it."""
    page = split_page(SEED.read_text(encoding="utf-8"))
    await store.add_articles(
        [_article(a.title or f"图片 {n}", a.body, minutes=n) for n, a in enumerate(page) if a.body]
    )
    await subs.subscribe(CHAT, "文明")
    before = await _digest(store, CHAT, limit=50)
    about = [a for a in before if "漯河" in a.title + a.body]
    assert about and len(about) < len(before)
    await subs.exclude(CHAT, "漯河")
    after = await _digest(store, CHAT, limit=50)
    assert [a.id for a in after] == [a.id for a in before if a not in about]
