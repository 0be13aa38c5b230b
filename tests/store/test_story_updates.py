"""Story updates in the store, on both backends: the chat setting (revision 0013), and the
sources of the stories a chat received, which decide what an update shows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from bot.ingest import open_store
from bot.ingest.writer import ArticleWriter
from bot.services.stories import rank_stories
from bot.store.deliveries import Cutoffs, SentMark
from bot.store.engine import create_engine
from bot.store.migrator import upgrade
from bot.store.sql_store import SqlStore
from tests.delivery.conftest import FakeClock
from tests.story_reports import report

NOW = datetime(2026, 3, 28, 0, 0, tzinfo=UTC)
CUT = Cutoffs(NOW - timedelta(seconds=900), NOW, NOW, 5)
PUBLISHED = datetime(2026, 3, 27, 2, 0, tzinfo=UTC)


async def _revision(store: SqlStore, chat_id: int) -> int:
    async with store.engine.connect() as conn:
        query = sa.text("SELECT revision FROM chats WHERE id = :id").bindparams(id=chat_id)
        return int((await conn.execute(query)).scalar_one())


async def _chat(store: SqlStore, chat_id: int) -> None:
    await store.ensure_chat(
        chat_id, type="private", language="zh", timezone="Asia/Shanghai", digest_time=time(8)
    )
    await store.add_subscription(chat_id, "keyword", "漯河")


async def test_the_setting_is_off_by_default_and_a_change_bumps_the_revision(
    store: SqlStore,
) -> None:
    await _chat(store, 51)
    chat = await store.get_chat(51)
    assert chat is not None and chat.story_updates is False
    before = await _revision(store, 51)
    assert (await store.update_chat(51, story_updates=True)).story_updates is True
    assert await _revision(store, 51) == before + 1
    # Other changes leave it as it is.
    assert (await store.update_chat(51, paused=False)).story_updates is True
    (due,) = await store.deliveries.due_chats(
        timezone="Asia/Shanghai", local_date=date(2026, 3, 28), hhmm="08:00", cutoffs=CUT
    )
    assert due.chat_id == 51 and due.story_updates is True
    assert (await store.update_chat(51, story_updates=False)).story_updates is False


async def test_received_sources_and_the_update_entry(store: SqlStore) -> None:
    writer = ArticleWriter(store, clock=FakeClock(NOW))
    written = await writer.write(
        [
            report("honour_daily", source="daily.example.cn", published=PUBLISHED),
            report("food_check", source="daily.example.cn", published=PUBLISHED),
        ]
    )
    daily, food = written.added
    await _chat(store, 61)
    await _chat(store, 62)
    log = store.deliveries
    claims = await log.claim(
        [61, 62], local_date=date(2026, 3, 28), worker="w", now=NOW, cutoffs=CUT
    )
    by_chat = {claim.chat_id: claim for claim in claims}
    # 61 received the honour story from daily.example.cn; 62's digest was never sent.
    await log.mark_sent_many(
        [SentMark(by_chat[61].delivery_id, (daily,), (1,))], worker="w", now=NOW
    )
    await log.release(by_chat[62].delivery_id, worker="w", now=NOW, error="boom")
    story = (await store.get_article(daily)).story_id  # type: ignore[union-attr]
    assert story is not None

    received = await store.sent_story_sources([61, 62], [story])
    assert received == {61: {story: {"daily.example.cn"}}, 62: {}}

    # Another outlet joins the story.
    (evening,) = (
        await writer.write(
            [report("honour_evening", source="evening.example.cn", published=PUBLISHED)]
        )
    ).added
    assert (await store.get_article(evening)).story_id == story  # type: ignore[union-attr]
    # Updates off: the later report of a received story is not even a candidate.
    assert {a.id for a in await store.articles_for_chat(61, limit=20)} == {food}
    await store.update_chat(61, story_updates=True)
    candidates = {61: await store.articles_for_chat(61, limit=20)}
    assert {a.id for a in candidates[61]} == {evening, food}

    plain = (await rank_stories(store, candidates, now=NOW))[61]
    assert [e.representative.id for e in plain] == [food]  # off: the story stays out

    ranked = (await rank_stories(store, candidates, now=NOW, updates={61}))[61]
    (update,) = [e for e in ranked if e.story_id == story]
    # Only the new source, marked; what 61 had (daily) is not shown again.
    assert update.update and update.representative.id == evening and update.others == ()
    assert not [e for e in ranked if e.story_id != story][0].update


async def test_chats_before_the_revision_carry_over_with_updates_off(
    empty_database_url: str,
) -> None:
    engine = create_engine(empty_database_url)
    created = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    try:
        await upgrade(engine, "0012")
        async with engine.begin() as conn:
            await conn.execute(
                sa.text(
                    "INSERT INTO chats (id, type, language, timezone, digest_time, paused,"
                    " created_at, revision) VALUES (88, 'private', 'en', 'Europe/Berlin',"
                    " '06:45', true, :created, 7)"
                ).bindparams(
                    created=created.replace(tzinfo=None)
                    if engine.dialect.name == "sqlite"
                    else created
                )
            )
    finally:
        await engine.dispose()
    store = await open_store(empty_database_url)  # upgrades to the head
    try:
        chat = await store.get_chat(88)
        assert chat is not None and chat.story_updates is False
        assert (chat.language, chat.timezone, chat.digest_time, chat.paused) == (
            "en",
            "Europe/Berlin",
            time(6, 45),
            True,
        )
        assert await _revision(store, 88) == 7
    finally:
        await store.close()
