"""``python -m bot deliver --once`` as an operator runs it, against the emulator."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import time
from pathlib import Path

from bot.ingest import open_store
from bot.store.records import NewArticle
from tests.botapi.server import BotApiEmulator
from tests.delivery.conftest import REPO, add_chat


async def deliver_once(env: dict[str, str]) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "deliver",
        "--once",
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return await proc.wait(), out.decode(), err.decode()


async def test_deliver_once_sends_then_finds_nothing_due(
    tmp_path: Path, articles: list[NewArticle]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    store = await open_store(url)
    try:
        await store.add_articles(articles)
        await add_chat(store, 4242, timezone="UTC", at=time(0, 0))
        await add_chat(store, 4343, timezone="UTC", at=time(0, 0), topics=("health",))
    finally:
        await store.close()
    async with BotApiEmulator() as emu:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": emu.token,
            "TELEGRAM_BASE_URL": emu.base_url,
            "DATABASE_URL": url,
            "TOPICS_FILE": str(REPO / "seeds" / "topics.toml"),
        }
        code, out, err = await deliver_once(env)
        assert code == 0, err
        assert "sent    chat 4242: 1 message(s)" in out
        assert "empty   chat 4343: nothing new" in out
        assert len(emu.messages(4242)) == 1 and emu.messages(4343) == []
        assert emu.token not in out + err, "the token is never printed"
        # A new process looks once more at the empty chat, and sends nothing twice.
        code, out, _ = await deliver_once(env)
        assert code == 0 and "sent" not in out and "chat 4242" not in out
        assert len(emu.messages(4242)) == 1 and emu.sent_count == 1


async def test_deliver_once_without_token_says_so(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'none.db'}"
    env["TELEGRAM_BOT_TOKEN"] = ""
    code, out, err = await deliver_once(env)
    assert code == 2 and "TELEGRAM_BOT_TOKEN" in err and "Traceback" not in err
