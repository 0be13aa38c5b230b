"""SQLite: an ingest and the bot write at the same time from two processes, and nothing fails."""

from __future__ import annotations

import asyncio
import sys
from datetime import date
from pathlib import Path

from bot.ingest import open_store
from tests.store.corpus import REPO

ARTICLES = 150
CHATS = 60


async def _run(kind: str, url: str, start: int, count: int) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.store.concurrent_writer",
        kind,
        url,
        str(start),
        str(count),
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode("utf-8", "replace")


async def test_ingest_and_bot_write_concurrently_without_locks_or_loss(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    store = await open_store(url)  # migrate first, as the bot does on start
    await store.close()
    results = await asyncio.gather(
        _run("articles", url, 0, ARTICLES),
        _run("chats", url, 1, CHATS),
        _run("articles", url, ARTICLES, ARTICLES),
    )
    for code, out in results:
        assert code == 0 and "locked" not in out, out
    store = await open_store(url)
    try:
        assert await store.count_articles() == 2 * ARTICLES
        stats = await store.stats(today=date.today())
        assert stats.chats == CHATS and stats.keyword_subscriptions == CHATS
        # Every article written in the race is in the full-text index too.
        assert (await store.search("篇")).total == 2 * ARTICLES
    finally:
        await store.close()
