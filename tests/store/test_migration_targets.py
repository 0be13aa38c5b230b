"""Revision 0011 (digest targets): chats from before it carry over unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, time

import sqlalchemy as sa

from bot.ingest import open_store
from bot.store.engine import create_engine
from bot.store.migrator import upgrade


async def test_chats_before_targets_keep_their_settings(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    created = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    try:
        await upgrade(engine, "0009")
        async with engine.begin() as conn:
            for chat_id, kind in ((77, "private"), (-1001234567890, "supergroup")):
                await conn.execute(
                    sa.text(
                        "INSERT INTO chats (id, type, language, timezone, digest_time, paused,"
                        " created_at, revision) VALUES (:id, :type, 'zh', 'Asia/Shanghai',"
                        " '07:30', false, :created, 3)"
                    ).bindparams(
                        id=chat_id,
                        type=kind,
                        created=created.replace(tzinfo=None)
                        if engine.dialect.name == "sqlite"
                        else created,
                    )
                )
    finally:
        await engine.dispose()
    store = await open_store(empty_database_url)  # upgrades to the head
    try:
        for chat_id, kind in ((77, "private"), (-1001234567890, "supergroup")):
            chat = await store.get_chat(chat_id)
            assert chat is not None
            assert (chat.type, chat.language, chat.timezone, chat.digest_time) == (
                kind,
                "zh",
                "Asia/Shanghai",
                time(7, 30),
            )
            assert chat.active and chat.send_to == chat_id
            assert (chat.thread_id, chat.title, chat.rights_lost_at) == (None, None, None)
        assert await store.targets.linked(77) == []
        assert await store.targets.managing(77) is None
    finally:
        await store.close()
