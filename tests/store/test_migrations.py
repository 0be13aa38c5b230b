"""Contract: migrations create the schema, upgrade older databases in place, and are idempotent."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.ingest import migrate, open_store
from bot.store.deliveries import Cutoffs
from bot.store.engine import create_engine
from bot.store.migrator import current_revision, head_revision, upgrade
from bot.store.schema import UtcDateTime, articles, index_meta, metadata
from tests.store.corpus import make_article, seed_paragraphs


async def test_migrate_creates_then_is_a_no_op(
    empty_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await migrate(empty_database_url) == 0
    assert f"from empty to {head_revision()}" in capsys.readouterr().out
    assert await migrate(empty_database_url) == 0
    assert "already at the newest revision" in capsys.readouterr().out
    store = await open_store(empty_database_url)
    try:
        assert await store.count_articles() == 0
    finally:
        await store.close()


async def test_bad_url_is_one_line_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert await migrate("mysql://user@localhost/db") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: DATABASE_URL") and "Traceback" not in err


def _schema_differences(connection: sa.Connection) -> list[Any]:
    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        # The full-text tables are made by hand per backend and are not in `metadata`, nor is
        # the index's record (index_meta, checked on its own below): neither is exported.
        index_tables = (name or "").startswith("articles_fts") or name == "index_meta"
        return not (type_ == "table" and index_tables)

    context = MigrationContext.configure(connection, opts={"include_object": include})
    return list(compare_metadata(context, metadata))


def _index_meta_differences(connection: sa.Connection) -> list[Any]:
    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        return type_ != "table" or name == "index_meta"

    context = MigrationContext.configure(connection, opts={"include_object": include})
    return list(compare_metadata(context, index_meta.metadata))


async def test_migrated_schema_matches_the_tables(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        await upgrade(engine)
        async with engine.connect() as conn:
            assert await conn.run_sync(_schema_differences) == []
            assert await conn.run_sync(_index_meta_differences) == []
    finally:
        await engine.dispose()


async def test_older_database_upgrades_in_place(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    paragraph = seed_paragraphs()[20]
    old = make_article("青海省格尔木市：绽放文明花 结出富裕果", paragraph, topics=("civility",))
    try:
        outcome = await upgrade(engine, "0001")
        assert outcome.after == "0001"
        # A row written by the older release, before the search index existed.
        async with engine.begin() as conn:
            await conn.execute(
                articles.insert().values(
                    source=old.source,
                    title=old.title,
                    body=old.body,
                    digest='["' + paragraph[:10] + '"]',
                    topics='["civility"]',
                    content_hash=old.content_hash,
                    ingested_at=sa.func.now(),
                    sort_at=sa.func.now(),
                )
            )
    finally:
        await engine.dispose()
    store = await open_store(empty_database_url)
    try:
        assert await current_revision(store.engine) == head_revision()
        found = await store.search("格尔木")
        assert [hit.article.title for hit in found.hits] == [old.title]
        await store.ensure_chat(
            1, type="private", language="zh", timezone="Asia/Shanghai", digest_time=_eight()
        )
        await store.add_subscription(1, "topic", "civility")
        assert [a.title for a in await store.articles_for_chat(1)] == [old.title]
        # New articles are indexed alongside the back-filled one.
        await store.add_articles([make_article("格尔木又一篇", seed_paragraphs()[21])])
        assert (await store.search("格尔木")).total == 2
    finally:
        await store.close()


def _eight() -> Any:
    from datetime import time

    return time(8, 0)


async def test_feeds_table_made_by_the_old_registry_is_kept(empty_database_url: str) -> None:
    # Before revision 0003 the feed registry created its own table; its rows must survive.
    from bot.store.schema import feeds

    old_metadata = sa.MetaData()
    # The columns the old registry made (later revisions add the others).
    old_columns = {"id", "url", "etag", "last_modified", "last_polled_at", "last_ok_at"}
    old_columns |= {"failures", "failing_since", "last_error", "added_by"}
    sa.Table("feeds", old_metadata, *(c._copy() for c in feeds.columns if c.name in old_columns))
    engine = create_engine(empty_database_url)
    try:
        await upgrade(engine, "0002")
        async with engine.begin() as conn:
            await conn.run_sync(old_metadata.create_all)
            await conn.execute(
                old_metadata.tables["feeds"].insert().values(url="https://example.org/rss")
            )
    finally:
        await engine.dispose()
    store = await open_store(empty_database_url)
    try:
        assert await current_revision(store.engine) == head_revision()
        async with store.engine.connect() as conn:
            urls = (await conn.execute(sa.select(feeds.c.url, feeds.c.failures))).all()
            assert [tuple(row) for row in urls] == [("https://example.org/rss", 0)]
            assert await conn.run_sync(_schema_differences) == []
    finally:
        await store.close()


async def test_nothing_new_rows_become_a_state_of_their_own(empty_database_url: str) -> None:
    """Revision 0006: 'failed' + 'nothing new' becomes 'nothing_new'; other rows stay."""
    now = datetime(2026, 3, 28, 0, 30, tzinfo=UTC)
    day = date(2026, 3, 28)
    engine = create_engine(empty_database_url)
    try:
        assert (await upgrade(engine, "0005")).after == "0005"
        # Rows as the release before 0006 wrote them (its columns only).
        old_chats = sa.table(
            "chats",
            *(sa.column(name) for name in ("id", "type", "language", "timezone", "digest_time")),
            sa.column("paused", sa.Boolean),
            sa.column("created_at", UtcDateTime),
        )
        old_deliveries = sa.table(
            "deliveries",
            *(sa.column(name) for name in ("chat_id", "status", "error", "attempts")),
            sa.column("article_ids"),
            sa.column("local_date", sa.Date),
            sa.column("claimed_at", UtcDateTime),
            sa.column("claimed_by"),
        )
        async with engine.begin() as conn:
            await conn.execute(
                old_chats.insert(),
                [
                    {
                        "id": chat_id,
                        "type": "private",
                        "language": "zh",
                        "timezone": "UTC",
                        "digest_time": "00:00",
                        "paused": False,
                        "created_at": now,
                    }
                    for chat_id in (1, 2, 3)
                ],
            )
            common = {"local_date": day, "claimed_at": now, "claimed_by": "old"}
            await conn.execute(
                old_deliveries.insert(),
                [
                    {"chat_id": 1, "status": "failed", "error": "nothing new", "attempts": 0,
                     "article_ids": "[]", **common},
                    {"chat_id": 2, "status": "failed", "error": "boom", "attempts": 1,
                     "article_ids": "[]", **common},
                    {"chat_id": 3, "status": "sent", "error": None, "attempts": 0,
                     "article_ids": "[4]", **common},
                ],
            )  # fmt: skip
    finally:
        await engine.dispose()
    store = await open_store(empty_database_url)
    try:
        assert await current_revision(store.engine) == head_revision()
        rows = {c: await store.deliveries.get(c, day) for c in (1, 2, 3)}
        assert {c: (r.status, r.error) for c, r in rows.items() if r} == {
            1: ("nothing_new", None),
            2: ("failed", "boom"),
            3: ("sent", None),
        }
        assert await store.deliveries.count_by_status() == {
            "nothing_new": 1,
            "failed": 1,
            "sent": 1,
        }
        # A converted check is looked at once more (its chat revision is unknown); a sent
        # digest is not, even long after; the failure waits for its retry time.
        cutoffs = Cutoffs(now - timedelta(seconds=900), now, now, 5)
        due = await store.deliveries.due_chats(
            timezone="UTC", local_date=day, hhmm="00:30", cutoffs=cutoffs
        )
        assert [chat.chat_id for chat in due] == [1]
    finally:
        await store.close()


async def test_chats_and_deliveries_carry_over_to_digest_slots(empty_database_url: str) -> None:
    """Revision 0010: a chat's one time becomes its only slot; each delivery becomes slot 0."""
    from datetime import time

    from bot.store.deliveries import SentMark

    now = datetime(2026, 3, 28, 0, 30, tzinfo=UTC)
    day = date(2026, 3, 28)
    engine = create_engine(empty_database_url)
    try:
        assert (await upgrade(engine, "0009")).after == "0009"
        old_chats = sa.table(
            "chats",
            *(sa.column(name) for name in ("id", "type", "language", "timezone", "digest_time")),
            sa.column("paused", sa.Boolean),
            sa.column("created_at", UtcDateTime),
            sa.column("revision"),
        )
        old_deliveries = sa.table(
            "deliveries",
            *(sa.column(name) for name in ("chat_id", "status", "attempts", "chat_revision")),
            sa.column("article_ids"),
            sa.column("message_ids"),
            sa.column("local_date", sa.Date),
            sa.column("claimed_at", UtcDateTime),
            sa.column("sent_at", UtcDateTime),
            sa.column("claimed_by"),
        )
        async with engine.begin() as conn:
            await conn.execute(
                old_chats.insert().values(
                    id=-1001, type="group", language="zh", timezone="Asia/Shanghai",
                    digest_time="07:45", paused=False, created_at=now, revision=3,
                )
            )  # fmt: skip
            await conn.execute(
                old_deliveries.insert().values(
                    chat_id=-1001, status="sent", attempts=0, chat_revision=3,
                    article_ids="[5, 4]", message_ids="[900]", local_date=day,
                    claimed_at=now, sent_at=now, claimed_by="old",
                )
            )  # fmt: skip
    finally:
        await engine.dispose()
    store = await open_store(empty_database_url)
    try:
        assert await current_revision(store.engine) == head_revision()
        chat = await store.get_chat(-1001)
        assert chat is not None and chat.digest_times == (time(7, 45),)
        assert chat.timezone == "Asia/Shanghai" and chat.type == "group"
        row = await store.deliveries.get(-1001, day)
        assert row is not None and row.slot == 0 and row.status == "sent"
        assert row.article_ids == (5, 4) and row.message_ids == (900,) and row.sent_at == now
        # The day's digest stays sent; a second time added now is a slot of its own that day.
        cutoffs = Cutoffs(now - timedelta(seconds=900), now, now, 5)
        log = store.deliveries
        assert (
            await log.due_chats(
                timezone="Asia/Shanghai", local_date=day, hhmm="08:30", cutoffs=cutoffs
            )
            == []
        )
        await store.set_digest_times(-1001, [time(7, 45), time(8, 15)])
        (due,) = await log.due_chats(
            timezone="Asia/Shanghai", local_date=day, hhmm="08:30", cutoffs=cutoffs
        )
        assert due.slot == 1
        (claim,) = await log.claim(
            [-1001], local_date=day, worker="new", now=now, cutoffs=cutoffs, slots={-1001: 1}
        )
        await log.mark_sent_many([SentMark(claim.delivery_id, (6,), (901,))], worker="new", now=now)
        assert [(r.slot, r.article_ids) for r in await log.all_for_chat(-1001)] == [
            (0, (5, 4)),
            (1, (6,)),
        ]
    finally:
        await store.close()


def _downgrade(connection: sa.Connection, target: str) -> None:
    from alembic import command

    from bot.store.migrator import alembic_config

    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, target)


async def test_downgrade_to_0009_keeps_chats_and_subscriptions(empty_database_url: str) -> None:
    """Undoing today's revisions drops their columns and tables, never a chat's subscriptions
    (a batch copy of ``chats`` on SQLite would cascade to them)."""
    store = await open_store(empty_database_url)
    try:
        await store.ensure_chat(
            42, type="private", language="zh", timezone="Asia/Shanghai", digest_time=time(7, 0)
        )
        await store.add_subscription(42, "keyword", "乡村振兴")
        await store.add_subscription(42, "exclude", "广告")
    finally:
        await store.close()
    engine = create_engine(empty_database_url)
    try:
        async with engine.connect() as conn:
            async with conn.begin():
                await conn.run_sync(_downgrade, "0009")
            assert (
                await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
                == "0009"
            )
            kept = (await conn.execute(sa.text("SELECT kind, value FROM subscriptions"))).all()
        assert sorted(tuple(row) for row in kept) == [("exclude", "广告"), ("keyword", "乡村振兴")]
        outcome = await upgrade(engine)
        assert outcome.after == head_revision()
    finally:
        await engine.dispose()
