"""/healthz and /metrics on METRICS_PORT, with the bot running against the emulator."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from sqlalchemy.engine import make_url

from bot.ingest.index import ANALYZER
from bot.metrics import PushHeartbeat
from bot.ops_server import OpsServer
from bot.store.engine import create_engine
from bot.store.ping import database_problem
from bot.store.sql_store import SqlStore
from tests.bot.conftest import RunningBot, bot_settings, free_port
from tests.botapi.server import BotApiEmulator
from tests.postgres import drop_database, fresh_database


def _sample(text: str, name: str, labels: str = "") -> float:
    """The value of one sample in Prometheus text (0 when absent)."""
    pattern = re.escape(name + (f"{{{labels}}}" if labels else "")) + r" ([0-9.e+-]+)"
    found = re.search(pattern, text)
    return float(found.group(1)) if found else 0.0


async def _wait_ready(client: httpx.AsyncClient, url: str, seconds: float = 20) -> httpx.Response:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        answer = await client.get(url)
        if answer.status_code == 200 or loop.time() > deadline:
            return answer
        await asyncio.sleep(0.25)


async def _run_with_metrics(
    emu: BotApiEmulator, database_url: str, mode: str
) -> tuple[RunningBot, str]:
    port = free_port()
    settings = bot_settings(emu, database_url, mode=mode, metrics_port=port, digest_tick_seconds=1)
    running = RunningBot(settings)
    await running.start(emu)
    return running, f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_health_and_metrics_while_the_bot_runs(
    botapi: BotApiEmulator, database_url: str, mode: str
) -> None:
    running, base = await _run_with_metrics(botapi, database_url, mode)
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            early = await client.get(f"{base}/healthz")
            if early.status_code == 503:  # before the first push tick (5 s after start)
                assert early.text.strip() == "no push tick has run yet"
            ready = await _wait_ready(client, f"{base}/healthz")
            assert (ready.status_code, ready.text) == (200, "ok\n")
            before = (await client.get(f"{base}/metrics")).text
            await botapi.replies(botapi.user_message(5151, "/help"))
            # The emulator records the reply before the bot has read its answer and counted it.
            for _ in range(50):
                answer = await client.get(f"{base}/metrics")
                sent = 'method="sendMessage"'
                if _sample(answer.text, "wenzhai_replies_sent_total", sent) > _sample(
                    before, "wenzhai_replies_sent_total", sent
                ):
                    break
                await asyncio.sleep(0.1)
    finally:
        await running.stop()
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    for name in (
        "wenzhai_push_messages_sent_total",
        "wenzhai_push_rate_limited_total",
        "wenzhai_ingest_articles_total",
        "wenzhai_search_seconds_bucket",
        "wenzhai_database_errors_total",
    ):
        assert f"# TYPE {name.removesuffix('_bucket').removesuffix('_total')}" in text, name
    kind = 'kind="message"'
    assert (
        _sample(text, "wenzhai_updates_total", kind)
        >= _sample(before, "wenzhai_updates_total", kind) + 1
    )
    assert _sample(text, "wenzhai_replies_sent_total", sent) > _sample(
        before, "wenzhai_replies_sent_total", sent
    )
    assert _sample(text, "wenzhai_push_tick_seconds_count") >= 1
    assert _sample(text, "wenzhai_push_last_tick_timestamp_seconds") > 0


async def test_healthz_is_503_when_the_database_goes_away(botapi: BotApiEmulator) -> None:
    async with fresh_database("ops_health") as url:
        running, base = await _run_with_metrics(botapi, url, "polling")
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                assert (await _wait_ready(client, f"{base}/healthz")).status_code == 200
                await drop_database(make_url(url).database or "")
                down = await client.get(f"{base}/healthz")
        finally:
            await running.stop()
    assert down.status_code == 503
    assert down.text.startswith("database unreachable"), down.text
    assert "postgres" not in down.text.lower().replace("postgresql", ""), "no URL in the reason"


async def test_healthz_reasons_without_a_bot() -> None:
    store = SqlStore(
        create_engine("postgresql://wz:pw-secret@127.0.0.1:1/nowhere"), analyzer=ANALYZER
    )
    beat = PushHeartbeat(60, clock=lambda: 1000.0)
    port = free_port()
    server = OpsServer(
        listen="127.0.0.1",
        port=port,
        check_database=lambda: database_problem(store, within=3),
        heartbeat=beat,
    )
    server.start()
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            down = await client.get(f"http://127.0.0.1:{port}/healthz")
    finally:
        await server.stop()
        await store.close()
    assert down.status_code == 503 and "database unreachable" in down.text
    assert "pw-secret" not in down.text
    beat.beat()
    assert beat.stale_reason() is None
    late = PushHeartbeat(60, clock=lambda: 1000.0 + 60 * 3 + 31)
    late.last_tick = 1000.0
    assert late.stale_reason() == "last push tick ended 211 s ago"
