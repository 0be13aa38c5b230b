"""The batch digest query agrees with articles_for_chat; sent marks are fenced and grouped."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from bot.delivery.marks import SentMarks
from bot.store.deliveries import Cutoffs, DeliveryLog, SentMark
from bot.store.schema import chats
from bot.store.sql_store import SqlStore
from summaries.model import Topic
from tests.delivery.conftest import add_chat, seed_articles

NOW = datetime(2026, 3, 28, 0, 0, tzinfo=UTC)
CUT = Cutoffs(
    lease_before=NOW - timedelta(seconds=900),
    recheck_before=NOW,
    retry_before=NOW,
    max_attempts=5,
)


async def _deliver(
    log: DeliveryLog, chat_id: int, day: date, article_ids: list[int], *, sent: bool
) -> None:
    (claim,) = await log.claim([chat_id], local_date=day, worker="seed", now=NOW, cutoffs=CUT)
    if sent:
        held = await log.mark_sent_many(
            [SentMark(claim.delivery_id, tuple(article_ids), (1,))], worker="seed", now=NOW
        )
        assert held == {claim.delivery_id}
    else:
        await log.release(claim.delivery_id, worker="seed", now=NOW, error="boom")


async def test_batch_query_agrees_with_articles_for_chat(
    store: SqlStore, topics: tuple[Topic, ...]
) -> None:
    """Shared and distinct subscriptions, keywords, sent and failed history, ties in time."""
    for tag in ("", "b", "c"):  # equal published times across tags: the id breaks the tie
        await store.add_articles(seed_articles(topics, tag=tag))
    newest = [a.id for a in await store.latest_articles(limit=50)]
    assert len(newest) == 15
    subscriptions: dict[int, tuple[list[str], list[str]]] = {
        1: (["volunteer"], []),
        2: (["volunteer"], []),  # same set as 1, other history
        3: (["volunteer", "party"], []),
        4: ([], ["志愿者"]),
        5: (["safety"], ["天祝"]),
        6: ([], []),  # nothing subscribed
        7: ([], ["!!!"]),  # a keyword without a searchable token
        8: ([t.slug for t in topics], []),
        9: (["volunteer"], ["文明", "格尔木"]),
    }
    for chat_id, (slugs, keywords) in subscriptions.items():
        await add_chat(store, chat_id, topics=slugs)
        for keyword in keywords:
            await store.add_subscription(chat_id, "keyword", keyword)
    log = store.deliveries
    volunteer = [a.id for a in await store.articles_for_chat(1, limit=50)]
    await _deliver(log, 2, date(2026, 3, 26), volunteer[:4], sent=True)
    await _deliver(log, 2, date(2026, 3, 27), volunteer[5:6], sent=True)
    await _deliver(log, 3, date(2026, 3, 27), volunteer[:6], sent=False)  # failed: not excluded
    await _deliver(log, 8, date(2026, 3, 26), newest[:7], sent=True)
    await _deliver(log, 8, date(2026, 3, 27), newest[8:12], sent=True)
    await _deliver(log, 9, date(2026, 3, 27), newest[1:3], sent=True)

    chat_ids = list(subscriptions)
    for limit, window in [(10, 50), (3, 1), (2, 2), (15, 4), (1, 1)]:
        batch = await store.articles_for_chats(chat_ids, limit=limit, first_window=window)
        for chat_id in chat_ids:
            single = await store.articles_for_chat(chat_id, limit=limit)
            assert [a.id for a in batch[chat_id]] == [a.id for a in single], (chat_id, limit)
            assert batch[chat_id] == single
    # The history really shapes the answers (the test would not notice a missing exclusion).
    first = await store.articles_for_chats(chat_ids, limit=10)
    assert first[1] and first[6] == [] and first[7] == []
    assert [a.id for a in first[2]] == [
        i for i in volunteer if i not in volunteer[:4] + [volunteer[5]]
    ]
    assert volunteer[0] in [a.id for a in first[3]]  # a failed delivery excludes nothing
    assert not {a.id for a in first[8]} & set(newest[:7] + newest[8:12])


async def test_mark_sent_many_is_fenced_by_the_claim(store: SqlStore) -> None:
    """Rows held by another worker, or no longer claimed, are left as they are."""
    for chat_id in (11, 12, 13):
        await add_chat(store, chat_id)
    log = store.deliveries
    day = date(2026, 3, 28)
    claims = await log.claim([11, 12, 13], local_date=day, worker="me", now=NOW, cutoffs=CUT)
    by_chat = {c.chat_id: c for c in claims}
    # Chat 12's claim is taken over by another worker after the lease, 13's released.
    later = CUT.__class__(NOW + timedelta(hours=1), NOW, NOW, 5)
    (taken,) = await log.claim([12], local_date=day, worker="other", now=NOW, cutoffs=later)
    await log.release(by_chat[13].delivery_id, worker="me", now=NOW, error="x")
    marks = [SentMark(c.delivery_id, (5, 6), (100 + c.chat_id,)) for c in claims]
    held = await log.mark_sent_many(marks, worker="me", now=NOW)
    assert held == {by_chat[11].delivery_id}
    rows = {c: await log.get(c, day) for c in (11, 12, 13)}
    assert rows[11] is not None and rows[11].status == "sent"
    assert rows[11].message_ids == (111,) and rows[11].article_ids == (5, 6)
    assert rows[12] is not None and rows[12].status == "claimed" and rows[12].message_ids == ()
    assert taken.chat_id == 12
    assert rows[13] is not None and rows[13].status == "failed"
    # A retry after a commit whose answer was lost: the row is this worker's, already sent.
    retried = [SentMark(by_chat[11].delivery_id, (9,), (999,))]
    assert await log.mark_sent_many(retried, worker="me", now=NOW) == {by_chat[11].delivery_id}
    assert await log.mark_sent_many(retried, worker="other", now=NOW) == set()
    again = await log.get(11, day)
    assert again is not None and again.message_ids == (111,), "a sent row is never rewritten"


async def test_marks_arriving_together_share_a_transaction(store: SqlStore) -> None:
    """Concurrent marks are committed in fewer writes, each answered with its own outcome."""
    chat_ids = list(range(21, 61))
    for chat_id in chat_ids:
        await add_chat(store, chat_id)
    log = store.deliveries
    day = date(2026, 3, 28)
    claims = await log.claim(chat_ids, local_date=day, worker="me", now=NOW, cutoffs=CUT)
    stolen = claims[5]
    later = CUT.__class__(NOW + timedelta(hours=1), NOW, NOW, 5)
    await log.claim([stolen.chat_id], local_date=day, worker="other", now=NOW, cutoffs=later)
    marks = SentMarks(log, worker="me", clock=lambda: NOW)
    results = await asyncio.gather(
        *(marks.mark(SentMark(c.delivery_id, (1,), (c.chat_id,))) for c in claims)
    )
    assert results == [c is not stolen for c in claims]
    assert 1 <= marks.writes < len(claims) // 2
    assert await log.count_by_status() == {"sent": len(claims) - 1, "claimed": 1}


async def test_claiming_thousands_of_chats_in_one_call(store: SqlStore) -> None:
    """5,000 claims at once (40,000 values: inserted in slices) are won once, and only once."""
    chat_ids = list(range(100_001, 105_001))
    async with store.engine.begin() as conn:
        await conn.execute(
            chats.insert(),
            [
                {
                    "id": chat_id,
                    "type": "private",
                    "language": "zh",
                    "timezone": "UTC",
                    "digest_time": "00:00",
                    "paused": False,
                    "created_at": NOW,
                }
                for chat_id in chat_ids
            ],
        )
    log = store.deliveries
    day = date(2026, 3, 28)
    won = await log.claim(chat_ids, local_date=day, worker="me", now=NOW, cutoffs=CUT)
    assert [c.chat_id for c in won] == chat_ids
    again = await log.claim(chat_ids, local_date=day, worker="other", now=NOW, cutoffs=CUT)
    assert again == []
    assert await log.count_by_status() == {"claimed": len(chat_ids)}


async def test_later_reports_of_a_received_story_leave_room_for_new_stories(
    store: SqlStore,
) -> None:
    """A chat received one report of a story; six later reports of it arrive, newer than
    another story's only report. With room for three, both queries give the new story (and
    no report of the old one), unless the chat follows story updates."""
    from bot.store.records import NewArticle, StoryAssignment
    from tests.store.corpus import make_article, seed_paragraphs

    paragraphs = seed_paragraphs()
    base = datetime(2026, 3, 27, 0, 0, tzinfo=UTC)

    def article(n: int, hours: int) -> NewArticle:
        title = f"漯河志愿服务报道之{n}"
        body = paragraphs[n % len(paragraphs)] + f"（第{n}篇）"
        return make_article(
            title, body, topics=("volunteer",), published_at=base + timedelta(hours=hours)
        )

    first, other, *later = (
        await store.add_articles(
            [article(0, 0), article(1, 1)] + [article(n, n) for n in range(2, 8)]
        )
    ).added
    await store.assign_stories(
        [StoryAssignment(i, first, first) for i in (first, *later)]
        + [StoryAssignment(other, other, other)]
    )
    for chat_id in (71, 72):
        await add_chat(store, chat_id, topics=("volunteer",))
        await _deliver(store.deliveries, chat_id, date(2026, 3, 27), [first], sent=True)
    await store.update_chat(72, story_updates=True)
    alone = await store.articles_for_chat(71, limit=3)
    batch = await store.articles_for_chats([71, 72], limit=3)
    assert [a.id for a in alone] == [a.id for a in batch[71]] == [other]
    follows = await store.articles_for_chat(72, limit=3)
    assert [a.id for a in follows] == [a.id for a in batch[72]] == sorted(later, reverse=True)[:3]
