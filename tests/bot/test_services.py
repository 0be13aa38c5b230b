"""The bot's services against the real store (SQLite in tmp_path), on real Chinese text."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.handlers.memo import QueryMemo
from bot.services.chats import ChatRef, ChatService
from bot.services.digest import DigestService
from bot.services.search import PAGE_SIZE, SearchService
from bot.services.subscriptions import (
    MAX_KEYWORD_CHARS,
    MAX_SUBSCRIPTIONS,
    SubscriptionService,
    can_follow,
    normalize_subject,
)
from bot.store import SqlStore
from bot.store.records import NewArticle
from summaries.tokens import search_tokens
from summaries.topics import load_topics

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "seeds" / "000_a9c33694dae72277.txt"
TOPICS = load_topics(REPO / "seeds" / "topics.toml")
ZH = ChatRef(5001, "private", "zh")
EN = ChatRef(5002, "private", "en")


@pytest.fixture
def chats(store: SqlStore) -> ChatService:
    """Chats with Shanghai time and an 08:00 push by default."""
    return ChatService(store, default_timezone="Asia/Shanghai", default_digest_time=time(8))


@pytest.fixture
def subs(store: SqlStore, chats: ChatService) -> SubscriptionService:
    """Subscriptions over the shipped topic list."""
    return SubscriptionService(store, chats, TOPICS)


def _paragraphs(word: str) -> list[str]:
    """Paragraphs of the real seed page that contain ``word``."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if word in line and len(line.strip()) >= 20]


def _article(body: str, *, topics: tuple[str, ...] = (), hours_ago: int = 0) -> NewArticle:
    return NewArticle(
        title=body[:18],
        body=body,
        digest=(body[:60],),
        keywords=(),
        topics=topics,
        source=SEED.name,
        content_hash=hashlib.sha256(body.encode()).hexdigest(),
        published_at=datetime(2024, 5, 1, tzinfo=UTC) - timedelta(hours=hours_ago),
        title_tokens=tuple(search_tokens(body[:18])),
        body_tokens=tuple(search_tokens(body)),
    )


# -- subscriptions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＩ芯片", "ai芯片"),
        ("  乡村   振兴 ", "乡村 振兴"),
        ("\u3000Ｐａｒｔｙ\u3000", "party"),
        ("ＵＴＦ－８", "utf-8"),
        ("", ""),
    ],
)
def test_normalization(raw: str, expected: str) -> None:
    assert normalize_subject(raw) == expected


@pytest.mark.parametrize("raw", ["party", "党建", "Party building", "ＰＡＲＴＹ", " 党建 "])
def test_topics_resolve_by_slug_chinese_or_english_name(
    subs: SubscriptionService, raw: str
) -> None:
    target = subs.resolve(raw)
    assert target is not None and (target.kind, target.value) == ("topic", "party")


def test_other_text_resolves_to_a_normalized_keyword(subs: SubscriptionService) -> None:
    target = subs.resolve(" Party  ＡＩ ")
    assert target is not None and (target.kind, target.value) == ("keyword", "party ai")
    assert subs.resolve(" \u3000 ") is None


async def test_subscribe_stores_normalized_keywords_and_topics(
    subs: SubscriptionService, store: SqlStore
) -> None:
    assert (await subs.subscribe(ZH, " ＡＩ芯片 ")).status == "added"
    assert (await subs.subscribe(ZH, "ai芯片")).status == "exists"
    assert (await subs.subscribe(ZH, "Volunteering")).status == "added"
    stored = [(s.kind, s.value) for s in await store.list_subscriptions(ZH.id)]
    assert stored == [("topic", "volunteer"), ("keyword", "ai芯片")]
    assert await subs.subscribed_topics(ZH) == {"volunteer"}


async def test_keyword_limits(subs: SubscriptionService, store: SqlStore) -> None:
    assert (await subs.subscribe(ZH, "长" * MAX_KEYWORD_CHARS)).status == "added"
    too_long = await subs.subscribe(ZH, "长" * (MAX_KEYWORD_CHARS + 1))
    assert too_long.status == "too_long"
    assert (await subs.subscribe(ZH, "!!!???")).status == "no_tokens"
    assert (await subs.subscribe(ZH, "😀🎉")).status == "no_tokens"
    assert (await subs.subscribe(ZH, "   ")).status == "empty"
    assert len(await store.list_subscriptions(ZH.id)) == 1


async def test_at_most_fifty_subscriptions(subs: SubscriptionService, store: SqlStore) -> None:
    for number in range(MAX_SUBSCRIPTIONS):
        assert (await subs.subscribe(ZH, f"词{number}")).status == "added"
    assert (await subs.subscribe(ZH, "再来一个")).status == "limit"
    toggled = await subs.toggle_topic(ZH, "party")
    assert toggled is not None and toggled.status == "limit"
    assert len(await store.list_subscriptions(ZH.id)) == MAX_SUBSCRIPTIONS


async def test_unsubscribe_and_toggle(subs: SubscriptionService, store: SqlStore) -> None:
    await subs.subscribe(EN, "乡村振兴")
    assert (await subs.unsubscribe(EN, "教育")).status == "missing"
    removed = await subs.unsubscribe(EN, "Rural revitalization")
    assert removed.status == "removed" and removed.target is not None
    assert (removed.target.kind, removed.target.value) == ("topic", "rural")
    assert await store.list_subscriptions(EN.id) == []
    on = await subs.toggle_topic(EN, "volunteer")
    assert on is not None and on.status == "added"
    off = await subs.toggle_topic(EN, "volunteer")
    assert off is not None and off.status == "exists"
    assert await store.list_subscriptions(EN.id) == []
    assert await subs.toggle_topic(EN, "no-such-topic") is None


async def test_remove_only_what_the_chat_has(subs: SubscriptionService, store: SqlStore) -> None:
    await subs.subscribe(ZH, "党建")
    await subs.subscribe(ZH, "示范村建设")
    assert await subs.remove(ZH, "keyword", "示范村") is None
    assert await subs.remove(ZH, "keyword", "party") is None  # a topic, not a keyword
    gone = await subs.remove(ZH, "keyword", "示范村建设")
    assert gone is not None and gone.value == "示范村建设"
    topic = await subs.remove(ZH, "topic", "party")
    assert topic is not None and (topic.kind, topic.value) == ("topic", "party")
    assert await store.list_subscriptions(ZH.id) == []
    # Another chat's button data cannot reach this chat's subscriptions.
    await subs.subscribe(EN, "党建")
    assert await subs.remove(ZH, "topic", "party") is None
    assert len(await store.list_subscriptions(EN.id)) == 1


@pytest.mark.parametrize(
    ("query", "followable"),
    [("党建", True), ("ＡＩ", True), ("!!!", False), ("", False), ("词" * 21, False)],
)
def test_can_follow(query: str, followable: bool) -> None:
    assert can_follow(query) is followable


# -- search ---------------------------------------------------------------------------------


async def test_search_pages_do_not_overlap_and_cover_the_total(store: SqlStore) -> None:
    paragraphs = _paragraphs("工作")
    assert len(paragraphs) > PAGE_SIZE, "the seed page should have enough paragraphs"
    added = await store.add_articles([_article(p, hours_ago=n) for n, p in enumerate(paragraphs)])
    search = SearchService(store, TOPICS)
    first = await search.search("  工作 ")
    assert first.query == "工作" and first.first == 1
    assert len(first.result.hits) == PAGE_SIZE and first.has_next
    seen: list[int] = []
    page = first
    while True:
        seen += [hit.article.id for hit in page.result.hits]
        if not page.has_next:
            break
        page = await search.search("工作", page=page.page + 1)
        assert page.first == page.page * PAGE_SIZE + 1
    assert len(seen) == len(set(seen)) == first.result.total
    assert set(seen) <= set(added.added)
    beyond = await search.search("工作", page=10_000)
    assert beyond.result.hits == () and not beyond.has_next


async def test_no_hits_suggest_chinese_searches_that_find_articles(store: SqlStore) -> None:
    paragraphs = _paragraphs("志愿") + _paragraphs("党")
    await store.add_articles([_article(p, hours_ago=n) for n, p in enumerate(paragraphs)])
    search = SearchService(store, TOPICS)
    assert (await search.search("志愿者协会")).result.hits == ()
    close = await search.suggestions("志愿者协会")
    assert close and close[0].query == "志愿服务" and close[0].topic == "volunteer"
    # English words name topics; what is suggested is the Chinese that finds the articles.
    english = await search.suggestions("volunteers party")
    pairs = [(s.query, s.topic) for s in english[:2]]
    assert pairs == [("党建", "party"), ("志愿服务", "volunteer")]
    for suggestion in close + english:
        found = await search.search(suggestion.query)
        assert found.result.total == suggestion.hits > 0, suggestion
    # Nothing close at all: the topics that have articles, the most first.
    unrelated = await search.suggestions("xyzzy")
    counts = {t.slug: (await search.search(t.name_zh)).result.total for t in TOPICS}
    expected = sorted((slug for slug in counts if counts[slug]), key=lambda slug: -counts[slug])
    assert 0 < len(expected) < len(TOPICS)  # some topics have no article here
    assert [s.topic for s in unrelated] == expected[:5]
    symbols = await search.search("!!!")
    assert symbols.result.reason is not None


async def test_an_empty_store_suggests_nothing(store: SqlStore) -> None:
    assert await SearchService(store, TOPICS).suggestions("志愿者协会") == []


async def test_popular_topics_are_counted_again_after_a_while(store: SqlStore) -> None:
    now = [0.0]
    search = SearchService(store, TOPICS, clock=lambda: now[0])
    assert await search.suggestions("xyzzy") == []  # nothing yet, and nothing remembered
    await store.add_articles([_article(p) for p in _paragraphs("志愿")])
    first = await search.suggestions("xyzzy")
    assert first and first[0].topic == "volunteer"
    await store.add_articles([_article(p) for p in _paragraphs("党建")])
    now[0] += 60
    assert await search.suggestions("xyzzy") == first  # counted a minute ago
    now[0] += 300
    again = await search.suggestions("xyzzy")
    assert again != first and "party" in [s.topic for s in again]


async def test_inline_answers_newest_for_an_empty_query(store: SqlStore) -> None:
    paragraphs = _paragraphs("工作")
    await store.add_articles([_article(p, hours_ago=n) for n, p in enumerate(paragraphs)])
    search = SearchService(store, TOPICS)
    newest = await search.inline("")
    assert newest and newest[0].body == paragraphs[0]
    assert len(await search.inline("工作")) == min(len(paragraphs), 20)
    # Nothing searchable: the newest, as for an empty query.
    assert [a.id for a in await search.inline("*&<>")] == [a.id for a in newest]


def test_query_memo() -> None:
    memo = QueryMemo(size=2)
    assert memo.reference("党建", "s", "1") == "党建"
    assert memo.recall("党建") == "党建"
    long = "党建 文明 创建 单位 市场 监督 管理局 工作 会议"
    ref = memo.reference(long, "s", "1")
    assert ref.startswith("~") and memo.recall(ref) == long
    piped = memo.reference("a|b", "w")
    assert piped.startswith("~") and memo.recall(piped) == "a|b"
    memo.reference("第三个很长的查询" * 5, "w")
    assert memo.recall(ref) is None  # forgotten: the button then says the search expired
    assert memo.recall("~000000000000") is None


# -- chats and the digest -------------------------------------------------------------------


async def test_push_time_and_time_zone(chats: ChatService, store: SqlStore) -> None:
    record = await chats.set_digest_time(ZH, "７:３０")
    assert record is not None and record.digest_time == time(7, 30)
    assert await chats.set_digest_time(ZH, "24:00") is None
    assert await chats.set_digest_time(ZH, "8:00pm") is None
    change = await chats.set_timezone(ZH, "UTC+8")
    assert change is not None and change.choice.zone == "Etc/GMT-8"
    offset = change.local_now.utcoffset()
    assert offset is not None and offset == timedelta(hours=8)
    beijing = await chats.set_timezone(ZH, "北京")
    assert beijing is not None and beijing.choice.zone == "Asia/Shanghai"
    shanghai = await chats.set_timezone(ZH, "Shanghai")
    assert shanghai is not None and shanghai.choice.zone == "Asia/Shanghai"
    assert await chats.set_timezone(ZH, "Mars/Olympus") is None
    stored = await store.get_chat(ZH.id)
    assert stored is not None
    assert (stored.timezone, stored.digest_time) == ("Asia/Shanghai", time(7, 30))


async def test_pause_resume_start_and_move(
    chats: ChatService, subs: SubscriptionService, store: SqlStore
) -> None:
    record, changed = await chats.set_paused(ZH, True)
    assert record.paused and changed
    assert (await chats.set_paused(ZH, True))[1] is False
    record, changed = await chats.set_paused(ZH, False)
    assert not record.paused and changed
    await store.mark_blocked(ZH.id, at=datetime.now(UTC))
    started = await chats.start(ChatRef(ZH.id, "private", "en"))
    assert started.active and started.language == "en"

    group = ChatRef(-5003, "group", "zh")
    await subs.subscribe(group, "党建")
    await chats.move(-5003, -100_5003)
    await chats.move(-5003, -100_5003)  # Telegram announces it in both chats
    moved = await store.list_subscriptions(-100_5003)
    assert [(s.kind, s.value) for s in moved] == [("topic", "party")]
    assert await store.get_chat(-5003) is None


async def test_digest_preview_records_nothing(
    chats: ChatService, subs: SubscriptionService, store: SqlStore
) -> None:
    paragraphs = _paragraphs("志愿")
    await store.add_articles(
        [_article(p, topics=("volunteer",), hours_ago=n) for n, p in enumerate(paragraphs)]
    )
    digests = DigestService(store, chats, max_articles=3)
    await chats.set_timezone(ZH, "UTC-10")
    assert (await digests.preview(ZH)).articles == []
    await subs.subscribe(ZH, "志愿服务")
    preview = await digests.preview(ZH)
    assert 0 < len(preview.articles) <= 3
    assert all("volunteer" in article.topics for article in preview.articles)
    assert preview.local_date == (datetime.now(UTC) - timedelta(hours=10)).date()
    again = await digests.preview(ZH)
    assert [a.id for a in again.articles] == [a.id for a in preview.articles]


async def test_several_push_times_stored_whole_or_not_at_all(chats: ChatService) -> None:
    parsed, record = await chats.set_digest_times(ZH, "20:00 ８:００")
    assert parsed.problem is None and record.digest_times == (time(8), time(20))
    for bad, problem in (
        ("08:00 08:00", "duplicate"),
        ("06:00 09:00 12:00 18:00 21:00", "too_many"),
        ("09:00 9pm", "bad"),
    ):
        parsed, record = await chats.set_digest_times(ZH, bad)
        assert parsed.problem == problem
        assert record.digest_times == (time(8), time(20)), "nothing stored half"
    parsed, record = await chats.set_digest_times(EN, "07:15")
    assert parsed.problem is None and record.digest_times == (time(7, 15),)
