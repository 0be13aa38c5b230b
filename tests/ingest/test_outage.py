"""Ingest while PostgreSQL is away: each file is refused with one line, nothing half-stored,
and the same run after the server is back stores every article exactly once.

The server is a private one the test stops and starts (tests.private_postgres); the shared
server on 5432 is never stopped.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from bot.ingest import Ingestor, open_store
from summaries.model import Topic
from tests.ingest.conftest import SEED, make_settings
from tests.private_postgres import (
    PrivatePostgres,
    private_postgres,  # noqa: F401  (the fixture)
)

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


async def test_files_during_an_outage_are_refused_whole_then_stored_once(
    private_postgres: PrivatePostgres,  # noqa: F811
    topics: tuple[Topic, ...],
    tmp_path: Path,
) -> None:
    url = await private_postgres.create_database("ingest_outage")
    second = tmp_path / "second.txt"
    second.write_text("另一篇文章\n\n社区志愿者连续三天为老人上门送餐，受到居民好评。\n", "utf-8")
    store = await open_store(url)
    try:
        ingestor = Ingestor(store, settings=make_settings(url), topics=topics)
        await private_postgres.stop_async()
        try:
            down = await ingestor.files([SEED, second])
        finally:
            await private_postgres.start_async()
        assert down.added == 0 and down.duplicates == 0
        assert [source for source, _ in down.refused] == [str(SEED), str(second)]
        assert all("\n" not in reason and reason for _, reason in down.refused)

        back = await ingestor.files([SEED, second])
        assert back.added == 6 and not back.refused, back
        assert await store.count_articles() == 6
    finally:
        await store.close()


async def test_ingest_command_with_the_database_away_says_so_in_one_line(
    private_postgres: PrivatePostgres,  # noqa: F811
) -> None:
    url = await private_postgres.create_database("ingest_cli_outage")
    await private_postgres.stop_async()
    try:
        env = {**os.environ, "DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": ""}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "ingest",
            str(SEED),
            cwd=REPO,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 120)
    finally:
        await private_postgres.start_async()
    text = out.decode() + err.decode()
    assert proc.returncode not in (0, None), text
    assert "Traceback" not in text
    assert "error" in text.lower()
