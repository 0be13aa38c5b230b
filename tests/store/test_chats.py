"""Contract: chats, subscriptions, the chat's articles, chat migration and stats."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa

from bot.store import SqlStore
from bot.store.schema import deliveries
from tests.store.corpus import make_article, seed_articles, seed_paragraphs

GROUP = -1001234567890123  # Telegram ids are 64-bit and negative for groups
PRIVATE = 987654321


async def _chat(store: SqlStore, chat_id: int = GROUP, **settings: object) -> None:
    values = {
        "type": "group",
        "language": "zh",
        "timezone": "Asia/Shanghai",
        "digest_time": time(8, 0),
        **settings,
    }
    await store.ensure_chat(chat_id, **values)  # type: ignore[arg-type]


async def _deliver(
    store: SqlStore, chat_id: int, day: date, article_ids: list[int], status: str
) -> None:
    async with store.engine.begin() as conn:
        await conn.execute(
            deliveries.insert().values(
                chat_id=chat_id,
                local_date=day,
                status=status,
                article_ids=json.dumps(article_ids),
                message_ids=json.dumps([1]),
                attempts=1,
                claimed_at=datetime.now(UTC),
            )
        )


async def test_ensure_chat_creates_once_and_keeps_settings(store: SqlStore) -> None:
    created = await store.ensure_chat(
        GROUP, type="supergroup", language="zh", timezone="Asia/Shanghai", digest_time=time(7, 5)
    )
    assert (created.id, created.type, created.language, created.timezone) == (
        GROUP,
        "supergroup",
        "zh",
        "Asia/Shanghai",
    )
    assert created.digest_time == time(7, 5) and created.active
    assert created.created_at.tzinfo is not None
    again = await store.ensure_chat(
        GROUP, type="group", language="en", timezone="Europe/Berlin", digest_time=time(9, 0)
    )
    assert again == created
    assert await store.get_chat(GROUP) == created
    assert await store.get_chat(PRIVATE) is None


async def test_blocked_chat_is_unblocked_when_it_writes_again(store: SqlStore) -> None:
    await _chat(store, PRIVATE, type="private")
    await store.add_subscription(PRIVATE, "topic", "volunteer")
    blocked_at = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    await store.mark_blocked(PRIVATE, at=blocked_at)
    chat = await store.get_chat(PRIVATE)
    assert chat is not None and chat.blocked_at == blocked_at and not chat.active
    assert len(await store.list_subscriptions(PRIVATE)) == 1  # kept while blocked
    await _chat(store, PRIVATE, type="private")
    chat = await store.get_chat(PRIVATE)
    assert chat is not None and chat.blocked_at is None and chat.active


async def test_update_chat_changes_only_what_is_given(store: SqlStore) -> None:
    await _chat(store)
    updated = await store.update_chat(GROUP, digest_time=time(21, 30))
    assert updated.digest_time == time(21, 30) and updated.language == "zh"
    updated = await store.update_chat(GROUP, language="en", timezone="Europe/Berlin")
    assert (updated.language, updated.timezone, updated.digest_time) == (
        "en",
        "Europe/Berlin",
        time(21, 30),
    )
    paused = await store.update_chat(GROUP, paused=True)
    assert paused.paused and not paused.active
    assert not (await store.update_chat(GROUP, paused=False)).paused
    with pytest.raises(LookupError):
        await store.update_chat(PRIVATE, paused=True)


async def test_digest_time_is_stored_as_sortable_text(store: SqlStore) -> None:
    await _chat(store, digest_time=time(7, 0))
    await _chat(store, PRIVATE, type="private", digest_time=time(10, 30))
    async with store.engine.connect() as conn:
        rows = await conn.execute(sa.text("SELECT id, digest_time FROM chats ORDER BY digest_time"))
        assert [tuple(r) for r in rows] == [(GROUP, "07:00"), (PRIVATE, "10:30")]


async def test_subscriptions_add_exists_limit_remove_list(store: SqlStore) -> None:
    await _chat(store)
    assert await store.add_subscription(GROUP, "keyword", "格尔木") == "added"
    assert await store.add_subscription(GROUP, "topic", "volunteer") == "added"
    assert await store.add_subscription(GROUP, "keyword", "志愿") == "added"
    assert await store.add_subscription(GROUP, "topic", "party") == "added"
    assert await store.add_subscription(GROUP, "keyword", "志愿") == "exists"
    assert await store.add_subscription(GROUP, "topic", "rural", max_per_chat=4) == "limit"
    listed = [(s.kind, s.value) for s in await store.list_subscriptions(GROUP)]
    assert listed == [
        ("topic", "volunteer"),
        ("topic", "party"),
        ("keyword", "格尔木"),
        ("keyword", "志愿"),
    ]
    assert await store.remove_subscription(GROUP, "keyword", "格尔木")
    assert not await store.remove_subscription(GROUP, "keyword", "格尔木")
    assert not await store.remove_subscription(GROUP, "topic", "志愿")
    assert len(await store.list_subscriptions(GROUP)) == 3
    with pytest.raises(LookupError):
        await store.add_subscription(PRIVATE, "topic", "party")


@pytest.mark.parametrize("keyword", ["志愿", "志愿者", "格尔木", "党员 疫情", "１００％", "漯"])
async def test_keyword_subscription_agrees_with_search(store: SqlStore, keyword: str) -> None:
    await store.add_articles(seed_articles())
    await _chat(store)
    await store.add_subscription(GROUP, "keyword", keyword)
    pushed = {a.id for a in await store.articles_for_chat(GROUP, limit=100)}
    searched = {hit.article.id for hit in (await store.search(keyword, limit=100)).hits}
    assert pushed == searched


async def test_articles_for_chat_topics_keywords_and_sent_deliveries(store: SqlStore) -> None:
    paragraphs = seed_paragraphs()
    old = make_article(
        "旧闻", paragraphs[0], topics=("party",), published_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    party = make_article("党建", paragraphs[1], topics=("party",))
    rural = make_article("乡村", paragraphs[2], topics=("rural",))
    added = (await store.add_articles([old, party, rural])).added
    await store.add_articles(seed_articles())
    await _chat(store)
    assert await store.articles_for_chat(GROUP) == []  # no subscriptions, nothing
    await store.add_subscription(GROUP, "topic", "party")
    got = [a.id for a in await store.articles_for_chat(GROUP)]
    assert got == [added[1], added[0]]  # newest first
    since = datetime(2021, 1, 1, tzinfo=UTC)
    assert [a.id for a in await store.articles_for_chat(GROUP, since=since)] == [added[1]]
    await _deliver(store, GROUP, date(2024, 5, 1), [added[1]], "sent")
    await _deliver(store, GROUP, date(2024, 5, 2), [added[0]], "claimed")  # not sent yet
    assert [a.id for a in await store.articles_for_chat(GROUP)] == [added[0]]
    # Another chat's sent delivery does not hide anything from this one.
    await _chat(store, PRIVATE, type="private")
    await _deliver(store, PRIVATE, date(2024, 5, 1), [added[0]], "sent")
    assert [a.id for a in await store.articles_for_chat(GROUP)] == [added[0]]
    await store.add_subscription(GROUP, "keyword", "格尔木")
    mixed = await store.articles_for_chat(GROUP, limit=50)
    assert added[0] in {a.id for a in mixed}
    assert any("格尔木" in a.title for a in mixed)
    assert len(await store.articles_for_chat(GROUP, limit=1)) == 1


async def test_migrate_chat_moves_subscriptions_and_deliveries(store: SqlStore) -> None:
    old_id, new_id = -4000123, -1004000123
    await _chat(store, old_id)
    await store.add_subscription(old_id, "topic", "party")
    await store.add_subscription(old_id, "keyword", "格尔木")
    await _deliver(store, old_id, date(2024, 5, 1), [1], "sent")
    await store.migrate_chat(old_id, new_id)
    assert await store.get_chat(old_id) is None
    moved = await store.get_chat(new_id)
    assert moved is not None and moved.type == "supergroup"
    assert [s.value for s in await store.list_subscriptions(new_id)] == ["party", "格尔木"]
    assert await store.list_subscriptions(old_id) == []
    async with store.engine.connect() as conn:
        owners = (await conn.execute(sa.select(deliveries.c.chat_id))).scalars().all()
    assert owners == [new_id]


async def test_migrate_chat_merges_into_an_existing_chat(store: SqlStore) -> None:
    old_id, new_id = -4000123, -1004000123
    await _chat(store, old_id)
    await _chat(store, new_id, type="supergroup")
    await store.add_subscription(old_id, "topic", "party")
    await store.add_subscription(old_id, "keyword", "格尔木")
    await store.add_subscription(new_id, "topic", "party")
    await _deliver(store, old_id, date(2024, 5, 1), [1], "sent")
    await _deliver(store, old_id, date(2024, 5, 2), [2], "sent")
    await _deliver(store, new_id, date(2024, 5, 2), [3], "sent")
    await store.migrate_chat(old_id, new_id)
    assert await store.get_chat(old_id) is None
    subs = [(s.kind, s.value) for s in await store.list_subscriptions(new_id)]
    assert subs == [("topic", "party"), ("keyword", "格尔木")]
    async with store.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(
                deliveries.c.chat_id, deliveries.c.local_date, deliveries.c.article_ids
            ).order_by(deliveries.c.local_date)
        )
        assert [tuple(r) for r in rows] == [
            (new_id, date(2024, 5, 1), "[1]"),
            (new_id, date(2024, 5, 2), "[3]"),
        ]
    await store.migrate_chat(-1, -2)  # unknown chat: nothing happens


async def test_stats(store: SqlStore) -> None:
    await store.add_articles(seed_articles())
    await _chat(store)
    await _chat(store, PRIVATE, type="private")
    await _chat(store, 42, type="private")
    await store.update_chat(PRIVATE, paused=True)
    await store.mark_blocked(42, at=datetime.now(UTC))
    await store.add_subscription(GROUP, "topic", "party")
    await store.add_subscription(PRIVATE, "topic", "party")
    await store.add_subscription(PRIVATE, "topic", "rural")
    await store.add_subscription(GROUP, "keyword", "格尔木")
    today = date(2024, 5, 2)
    await _deliver(store, GROUP, today, [1], "sent")
    await _deliver(store, PRIVATE, today, [1], "failed")
    await _deliver(store, 42, date(2024, 5, 1), [1], "sent")
    stats = await store.stats(today=today)
    assert (stats.chats, stats.active_chats, stats.articles) == (3, 1, len(seed_articles()))
    assert stats.subscriptions_by_topic == {"party": 2, "rural": 1}
    assert stats.keyword_subscriptions == 1
    assert stats.deliveries_today == 1
