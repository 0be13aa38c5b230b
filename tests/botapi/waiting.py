"""Waiting for the bot: predicates re-checked whenever the emulator records something."""

# Tests read best as `await emu.replies(action, timeout=2)`; the waits are deadline loops.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TypeVar

from tests.botapi.records import (
    CallbackAnswer,
    Edit,
    ErrorRecord,
    InlineAnswer,
    SentMessage,
    UserAction,
    WebhookState,
)

T = TypeVar("T")


class Waiting:
    """Mixed into the emulator state, which fills these attributes."""

    sent: list[SentMessage]
    edits: list[Edit]
    callback_answers: list[CallbackAnswer]
    inline_answers: list[InlineAnswer]
    errors: list[ErrorRecord]
    webhook: WebhookState
    poller: asyncio.Future[str] | None
    _waiters: list[asyncio.Future[None]]

    def changed(self) -> None:
        """Wake every ``wait_for`` so it re-checks its predicate."""
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_for(
        self, predicate: Callable[[], T | None], timeout: float = 5.0, what: str = ""
    ) -> T:
        """Wait until predicate() is truthy and return it; TimeoutError names recent errors."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = [f"{e.method} {e.code} {e.description}" for e in self.errors[-5:]]
                raise TimeoutError(
                    f"timed out after {timeout}s waiting for {what or predicate!r}; "
                    f"recent API errors: {recent}"
                )
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter, remaining)

    async def replies(
        self, action: UserAction, count: int = 1, timeout: float = 5.0
    ) -> list[SentMessage]:
        """Wait for at least ``count`` messages to the action's chat sent after it."""
        chat_id = action.chat_id

        def found() -> list[SentMessage] | None:
            got = [m for m in self.sent if m.chat_id == chat_id and m.seq > action.seq]
            return got if len(got) >= count else None

        return await self.wait_for(found, timeout, f"{count} reply(ies) in chat {chat_id}")

    async def edits_after(
        self, action: UserAction, count: int = 1, timeout: float = 5.0
    ) -> list[Edit]:
        """Wait for at least ``count`` edits in the action's chat made after it."""

        def found() -> list[Edit] | None:
            got = [e for e in self.edits if e.chat_id == action.chat_id and e.seq > action.seq]
            return got if len(got) >= count else None

        return await self.wait_for(found, timeout, f"{count} edit(s) in chat {action.chat_id}")

    async def callback_answer(self, action: UserAction, timeout: float = 5.0) -> CallbackAnswer:
        """Wait for the bot's answerCallbackQuery to a click."""
        return await self.wait_for(
            lambda: next(
                (a for a in self.callback_answers if a.callback_query_id == action.query_id),
                None,
            ),
            timeout,
            f"answerCallbackQuery({action.query_id})",
        )

    async def inline_answer(self, action: UserAction, timeout: float = 5.0) -> InlineAnswer:
        """Wait for the bot's answerInlineQuery to an inline query."""
        return await self.wait_for(
            lambda: next(
                (a for a in self.inline_answers if a.inline_query_id == action.query_id), None
            ),
            timeout,
            f"answerInlineQuery({action.query_id})",
        )

    async def wait_polling(self, timeout: float = 5.0) -> None:
        """Wait until the bot is receiving: a getUpdates is pending or a webhook is set."""
        await self.wait_for(
            lambda: (self.poller is not None and not self.poller.done()) or bool(self.webhook.url),
            timeout,
            "the bot to start polling or set a webhook",
        )
