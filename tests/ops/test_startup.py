"""Start-up without a network: one line per try, a growing pause, never a traceback."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.botapi.server import BotApiEmulator
from tests.ops.conftest import BotProcess, bot_env, free_port


async def test_unreachable_telegram_is_retried_in_one_line_until_it_answers(
    tmp_path: Path,
) -> None:
    port = free_port()  # nothing listens there yet
    emu = BotApiEmulator(port=port)
    env = bot_env(
        tmp_path,
        TELEGRAM_BOT_TOKEN=emu.token,
        TELEGRAM_BASE_URL=f"http://127.0.0.1:{port}/bot",
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
    )
    async with BotProcess(env, cwd=tmp_path) as bot:
        await bot.wait_for_text("retrying in 5 s", seconds=30)
        line = next(x for x in bot.output.splitlines() if "retrying in" in x)
        assert f"Telegram unreachable at http://127.0.0.1:{port} (ConnectError: " in line
        assert bot.process is not None and bot.process.returncode is None, "it keeps trying"
        # Telegram comes back: the next try finds it and the bot starts.
        async with emu:
            await bot.wait_for_text("ready", seconds=30)
            await emu.wait_for(lambda: bool(emu.commands), timeout=5, what="the bot to start")
            await bot.wait_for_text("Telegram reachable again")
        # Telegram goes away while the bot polls: PTB retries, in one line per failure.
        before = len(bot.output)
        while "(ConnectError: " not in bot.output[before:]:
            await bot.wait_for_text("ConnectError", seconds=20)
            await asyncio.sleep(0.2)
        code = await bot.stop()
    assert code == 0, bot.output
    assert "Traceback" not in bot.output
    assert emu.token not in bot.output


async def test_a_proxy_that_refuses_connections_is_named_without_its_password(
    tmp_path: Path,
) -> None:
    closed = free_port()
    env = bot_env(
        tmp_path,
        TELEGRAM_BOT_TOKEN="123456:ops-Token-never-shown",
        TELEGRAM_BASE_URL="http://127.0.0.1:9/bot",
        TELEGRAM_PROXY=f"socks5://reader:Sekr1t-pw@127.0.0.1:{closed}",
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
    )
    async with BotProcess(env, cwd=tmp_path) as bot:
        await bot.wait_for_text("retrying in 5 s", seconds=30)
    assert f"via proxy socks5://127.0.0.1:{closed}" in bot.output
    assert "Traceback" not in bot.output
    assert "Sekr1t-pw" not in bot.output and "ops-Token-never-shown" not in bot.output


async def test_a_malformed_proxy_is_one_sentence(tmp_path: Path) -> None:
    env = bot_env(
        tmp_path,
        TELEGRAM_BOT_TOKEN="123456:x",
        TELEGRAM_PROXY="socks5://reader:Sekr1t-pw@proxy.example:notaport",
    )
    async with BotProcess(env, cwd=tmp_path) as bot:
        code = await bot.stop() if bot.process is None else await bot.process.wait()
    lines = bot.output.strip().splitlines()
    assert code == 2 and len(lines) == 1, bot.output
    assert "TELEGRAM_PROXY" in lines[0] and "Sekr1t-pw" not in lines[0]
