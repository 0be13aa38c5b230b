"""Updates the bot cannot read, and webhook bodies that are not updates."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import pytest

from tests.bot.conftest import WEBHOOK_SECRET, RunningBot, _running, bot_settings
from tests.botapi.server import BotApiEmulator


def _malformed(emu: BotApiEmulator, chat_id: int) -> int:
    """Queue a message whose date is not a number, which PTB cannot read; its update_id."""
    body: dict[str, Any] = {
        "message_id": emu.next_message_id(chat_id),
        "date": "yesterday",
        "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Test"},
        "text": "/help",
    }
    action = emu.enqueue("message", body, chat_id)
    update_id: int = action.update["update_id"]
    return update_id


async def test_an_unreadable_update_is_skipped_and_the_bot_goes_on(
    any_mode_bot: RunningBot,
    emu: BotApiEmulator,
    mode: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    update_id = _malformed(emu, 7001)
    reply = (await emu.replies(emu.user_message(7002, "/help"), timeout=10))[-1]
    assert "/settime" in reply.text
    assert emu.messages(7001) == []  # skipped: not handled, no error reply
    polls = emu.calls["getUpdates"]
    await asyncio.sleep(1.0)
    # A long poll waits for updates: a handful of calls a second at most, not hundreds.
    assert emu.calls["getUpdates"] - polls <= 3
    skipped = [r for r in caplog.records if f"skipped update {update_id}" in r.getMessage()]
    assert len(skipped) == 1 and skipped[0].exc_info is None
    if mode == "webhook":
        # Answered once with 200, not sent again. (A first try may find the server not yet
        # listening: PTB sets the webhook before it serves; such a try has no status.)
        answers = [d.status for d in emu.webhook_deliveries if d.update_id == update_id]
        assert [status for status in answers if status is not None] == [200]


async def test_a_webhook_body_that_is_not_an_update_gets_400(
    botapi: BotApiEmulator, database_url: str
) -> None:
    settings = bot_settings(botapi, database_url, mode="webhook")
    headers = {
        "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET,
        "Content-Type": "application/json",
    }
    async for _running_bot in _running(botapi, settings):
        async with httpx.AsyncClient() as client:
            for body in (b"garbage", b"{not json", b"\xff\xfe\x00", b"[1, 2]", b'"text"', b"{}"):
                response = await client.post(
                    str(settings.webhook_url), content=body, headers=headers
                )
                assert response.status_code == 400, body
        reply = (await botapi.replies(botapi.user_message(7101, "/help"), timeout=10))[-1]
        assert "/settime" in reply.text
