"""TELEGRAM_PROXY carries every Bot API call (polling, replies, the push), and no output line
ever carries the token or the proxy password, even at LOG_LEVEL=DEBUG."""

from __future__ import annotations

import asyncio
import base64
from datetime import time
from pathlib import Path

from bot.ingest import open_store
from tests.botapi.server import BotApiEmulator
from tests.ops.conftest import BotProcess, bot_env
from tests.ops.proxy import LoopbackProxy, LoopbackSocks5

USER = "reader"
PASSWORD = "pr0xy/Secret:pw"  # a slash and a colon: percent-encoded in the URL
ENCODED = "pr0xy%2FSecret%3Apw"


def assert_no_secret(output: str, token: str) -> None:
    """Neither the token nor the password, in any form a line could carry them."""
    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    for secret in (token, token.replace(":", "%3A"), PASSWORD, ENCODED, basic):
        assert secret not in output, f"{secret!r} leaked:\n{output}"
    assert "Traceback" not in output


async def test_the_bot_polls_and_replies_through_the_proxy(
    botapi: BotApiEmulator, database_url: str, tmp_path: Path
) -> None:
    async with LoopbackProxy(USER, PASSWORD) as proxy:
        env = bot_env(
            tmp_path,
            TELEGRAM_BOT_TOKEN=botapi.token,
            TELEGRAM_BASE_URL=botapi.base_url,
            TELEGRAM_PROXY=proxy.url(USER, ENCODED),
            DATABASE_URL=database_url,
            LOG_LEVEL="DEBUG",  # the most PTB, httpx and httpcore ever say
        )
        async with BotProcess(env, cwd=tmp_path) as bot:
            await botapi.wait_for(lambda: bool(botapi.commands), timeout=30, what="start")
            await botapi.wait_polling(timeout=10)
            reply = (await botapi.replies(botapi.user_message(3001, "/help")))[-1]
            assert "/settime" in reply.text
            code = await bot.stop()
    assert code == 0, bot.output
    for method in ("getMe", "setMyCommands", "getUpdates", "sendMessage"):
        assert method in proxy.methods, (method, proxy.methods)
    assert proxy.refused == 0
    assert_no_secret(bot.output, botapi.token)
    assert "Set Bot API URL" in bot.output, "DEBUG was on: PTB said where the API is"


async def test_deliver_once_pushes_through_the_proxy(
    botapi: BotApiEmulator, database_url: str, tmp_path: Path
) -> None:
    store = await open_store(database_url)
    try:
        await store.ensure_chat(
            4242, type="private", language="zh", timezone="UTC", digest_time=time(0, 0)
        )
        await store.add_subscription(4242, "topic", "volunteer")
    finally:
        await store.close()
    async with LoopbackProxy(USER, PASSWORD) as proxy:
        env = bot_env(
            tmp_path,
            TELEGRAM_BOT_TOKEN=botapi.token,
            TELEGRAM_BASE_URL=botapi.base_url,
            TELEGRAM_PROXY=proxy.url(USER, ENCODED),
            DATABASE_URL=database_url,
            LOG_LEVEL="DEBUG",
        )
        async with BotProcess(env, "deliver", "--once", cwd=tmp_path) as run:
            assert run.process is not None
            code = await asyncio.wait_for(run.process.wait(), 60)
    assert code == 0, run.output
    assert "sent    chat 4242" in run.output
    assert len(botapi.messages(4242)) >= 1
    assert proxy.methods.count("sendMessage") == len(botapi.messages(4242))
    assert_no_secret(run.output, botapi.token)


async def test_a_wrong_proxy_password_is_refused_without_showing_it(
    botapi: BotApiEmulator, database_url: str, tmp_path: Path
) -> None:
    async with LoopbackProxy(USER, PASSWORD) as proxy:
        env = bot_env(
            tmp_path,
            TELEGRAM_BOT_TOKEN=botapi.token,
            TELEGRAM_BASE_URL=botapi.base_url,
            TELEGRAM_PROXY=proxy.url(USER, "not-the-" + ENCODED),
            DATABASE_URL=database_url,
        )
        async with BotProcess(env, "deliver", "--once", cwd=tmp_path) as run:
            assert run.process is not None
            await asyncio.wait_for(run.process.wait(), 60)
    assert proxy.refused >= 1 and botapi.sent_count == 0
    assert "the proxy refused its credentials (407)" in run.output, run.output
    assert "not-the-" not in run.output
    assert_no_secret(run.output, botapi.token)


async def test_deliver_once_pushes_through_a_socks5_proxy(
    botapi: BotApiEmulator, database_url: str, tmp_path: Path
) -> None:
    store = await open_store(database_url)
    try:
        await store.ensure_chat(
            4343, type="private", language="zh", timezone="UTC", digest_time=time(0, 0)
        )
        await store.add_subscription(4343, "topic", "volunteer")
    finally:
        await store.close()
    async with LoopbackSocks5(USER, PASSWORD) as socks:
        env = bot_env(
            tmp_path,
            TELEGRAM_BOT_TOKEN=botapi.token,
            TELEGRAM_BASE_URL=botapi.base_url,
            TELEGRAM_PROXY=f"socks5://{USER}:{ENCODED}@127.0.0.1:{socks.port}",
            DATABASE_URL=database_url,
            LOG_LEVEL="DEBUG",
        )
        async with BotProcess(env, "deliver", "--once", cwd=tmp_path) as run:
            assert run.process is not None
            code = await asyncio.wait_for(run.process.wait(), 60)
    assert code == 0, run.output
    assert "sent    chat 4343" in run.output
    assert socks.connections and socks.refused == 0
    assert all(target == ("127.0.0.1", botapi.port) for target in socks.connections)
    assert_no_secret(run.output, botapi.token)
