"""The bot token never reaches a log line, a traceback or the console."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

from bot.logs import token_redactor
from tests.bot.conftest import REPO
from tests.botapi.server import BotApiEmulator

pytest_plugins = ["tests.botapi.fixtures"]

TOKEN = "987654:WRONG-token-value"


def test_redactor_scrubs_messages_arguments_and_tracebacks() -> None:
    redactor = token_redactor(TOKEN)
    try:
        raise ValueError(f"The token `{TOKEN}` was rejected by the server.")
    except ValueError:
        record = logging.LogRecord(
            "telegram",
            logging.ERROR,
            __file__,
            1,
            "calling %s",
            (f"/bot{TOKEN}/getMe",),
            sys.exc_info(),
        )
    assert redactor.filter(record)
    formatted = logging.Formatter().format(record)
    assert TOKEN not in formatted and "987654%3AWRONG" not in formatted
    assert "<token>" in record.getMessage() and "was rejected" in formatted
    encoded = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, "POST /bot987654%3AWRONG-token-value/x", None, None
    )
    redactor.filter(encoded)
    assert "WRONG-token-value" not in encoded.getMessage()


async def test_a_refused_token_is_reported_without_it(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO),
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=botapi.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        TOPICS_FILE=str(REPO / "seeds" / "topics.toml"),
        LOG_LEVEL="DEBUG",  # the most PTB and httpx ever log
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    output = (out + err).decode()
    assert process.returncode == 2
    assert "refused TELEGRAM_BOT_TOKEN" in output and "@BotFather" in output
    assert TOKEN not in output and "WRONG-token-value" not in output
