"""``python -m bot export`` / ``import``: the whole store moves from SQLite to PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import time
from pathlib import Path
from typing import Any

import pytest

from bot.ingest import open_store
from bot.store.records import NewArticle
from tests.botapi.server import BotApiEmulator
from tests.ops.conftest import REPO, BotProcess, bot_env
from tests.postgres import fresh_database


async def _bot(tmp_path: Path, database_url: str, *args: str, **env: str) -> tuple[int, str]:
    process = BotProcess(bot_env(tmp_path, DATABASE_URL=database_url, **env), *args, cwd=tmp_path)
    async with process:
        assert process.process is not None
        code = await asyncio.wait_for(process.process.wait(), 120)
    return code, process.output


def _rows(path: Path) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    assert records[0]["type"] == "export" and records[0]["format"] == "wenzhai-store"
    return records[1:]


async def _fill(database_url: str, tmp_path: Path) -> None:
    """Chats, subscriptions, a feed and a delivery log beside the seeded articles."""
    store = await open_store(database_url)
    try:
        for chat_id, zone in ((4242, "UTC"), (-1001, "Asia/Shanghai")):
            kind = "private" if chat_id > 0 else "supergroup"
            await store.ensure_chat(
                chat_id, type=kind, language="zh", timezone=zone, digest_time=time(0, 0)
            )
            await store.add_subscription(chat_id, "topic", "volunteer")
        await store.add_subscription(4242, "keyword", "乡村振兴")
        await store.update_chat(-1001, paused=True)
        await store.set_digest_times(-1001, [time(0, 0), time(12, 0), time(20, 30)])
        await store.feeds.add("https://news.example.cn/rss", added_by=4242)
    finally:
        await store.close()
    async with BotApiEmulator() as emu:  # a real push fills the delivery log
        code, output = await _bot(
            tmp_path,
            database_url,
            "deliver",
            "--once",
            TELEGRAM_BOT_TOKEN=emu.token,
            TELEGRAM_BASE_URL=emu.base_url,
        )
    assert code == 0 and "sent    chat 4242" in output, output


async def test_sqlite_store_moves_to_postgresql_and_back_unchanged(
    database_url: str, tmp_path: Path
) -> None:
    await _fill(database_url, tmp_path)
    first = tmp_path / "sqlite.jsonl"
    code, output = await _bot(tmp_path, database_url, "export", str(first))
    assert code == 0, output
    exported = _rows(first)
    kinds = {record["type"] for record in exported}
    assert {"articles", "chats", "chat_slots", "subscriptions", "deliveries", "feeds"} <= kinds
    article = next(r["row"] for r in exported if r["type"] == "articles")
    assert isinstance(article["digest"], list) and article["digest"], "digests as lists"

    async with fresh_database("ops_import") as pg_url:
        code, output = await _bot(tmp_path, pg_url, "import", str(first))
        assert code == 0, output
        assert "articles: " in output and " 0 already there" in output
        again_code, again = await _bot(tmp_path, pg_url, "import", str(first))
        assert again_code == 0 and " 0 added" in again and "articles: 0 added" in again, again
        second = tmp_path / "postgresql.jsonl"
        code, output = await _bot(tmp_path, pg_url, "export", str(second))
        assert code == 0, output
        assert _rows(second) == exported, "the same store on both backends"

        sqlite_store, pg_store = await open_store(database_url), await open_store(pg_url)
        try:
            for words in ("志愿服务", "乡村振兴", "疫情防控"):
                on_sqlite = await sqlite_store.search(words, limit=10)
                on_pg = await pg_store.search(words, limit=10)
                # The index was rebuilt for PostgreSQL: the same articles match (each backend
                # ranks them its own way).
                ids = sorted(hit.article.id for hit in on_pg.hits)
                assert ids and ids == sorted(hit.article.id for hit in on_sqlite.hits), words
            # The delivery log still keeps the sent articles out of the next digest.
            assert await pg_store.articles_for_chat(4242) == await sqlite_store.articles_for_chat(
                4242
            )
            # A chat's later digest times come along.
            moved = await pg_store.get_chat(-1001)
            assert moved is not None and moved.later_times == (time(12, 0), time(20, 30))
            # New rows get new ids after the imported ones.
            added = await pg_store.add_articles(
                [
                    NewArticle(
                        title="导入之后的新文章",
                        body="数据库迁移完成后，新文章照常入库。",
                        digest=("数据库迁移完成后，新文章照常入库。",),
                        keywords=("迁移",),
                        topics=(),
                        source="test",
                        content_hash="ops-export-new-article",
                        title_tokens=("导入", "之后", "的", "新", "文章"),
                        body_tokens=("数据库", "迁移", "完成", "新", "文章"),
                    )
                ]
            )
            assert added.added[0] > max(r["row"]["id"] for r in exported if r["type"] == "articles")
        finally:
            await sqlite_store.close()
            await pg_store.close()


async def test_a_bad_line_is_one_sentence_and_names_the_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'target.db'}"
    bad = tmp_path / "bad.jsonl"
    header = {"type": "export", "format": "wenzhai-store", "version": 1}
    bad.write_text(json.dumps(header) + "\n{not json\n", encoding="utf-8")
    code, output = await _bot(tmp_path, url, "import", str(bad))
    assert code == 1 and "line 2: not JSON" in output and "Traceback" not in output
    foreign = tmp_path / "foreign.jsonl"
    foreign.write_text('{"type": "export", "format": "other"}\n', encoding="utf-8")
    code, output = await _bot(tmp_path, url, "import", str(foreign))
    assert code == 1 and "not a wenzhai-store export" in output
    code, output = await _bot(tmp_path, url, "import", str(tmp_path / "missing.jsonl"))
    assert code == 2 and "cannot read" in output and "Traceback" not in output


@pytest.mark.skipif(sys.platform != "linux", reason="stdout to a pipe")
async def test_export_to_stdout(database_url: str, tmp_path: Path) -> None:
    code, output = await _bot(tmp_path, database_url, "export")
    assert code == 0
    lines = [line for line in output.splitlines() if line.startswith("{")]
    assert json.loads(lines[0])["type"] == "export" and "exported " in output
    assert REPO.is_dir()
