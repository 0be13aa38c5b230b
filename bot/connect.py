"""Reaching the Bot API: its HTTP transports (through TELEGRAM_PROXY when set), the start-up wait.

A service started while the network is down, or while Telegram is blocked, must not die with a
traceback: ``wait_for_bot_api`` asks for ``getMe`` until it answers, saying in one line per try
what it could not reach and why, with a growing pause between tries. A refused token is not a
network failure and ends the wait at once (``InvalidToken``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from telegram import Bot
from telegram.error import NetworkError
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot import metrics
from bot.config import Settings, proxy_display
from bot.logs import describe_error

log = logging.getLogger(__name__)

# Pauses between start-up tries: 5 s, doubling, at most two minutes.
FIRST_RETRY_SECONDS = 5.0
MAX_RETRY_SECONDS = 120.0
PROXY_REFUSED = "the proxy refused its credentials (407); check TELEGRAM_PROXY"
# The pool PTB's builder gives the bot's own request by default.
BOT_POOL_SIZE = 256


class BotApiRequest(HTTPXRequest):
    """PTB's httpx transport, counting what it sends, where a proxy refusing its credentials
    is a network error.

    Behind a plain HTTP proxy the proxy's own 407 answer comes back as if the Bot API had sent
    it, and PTB fails to parse it with a traceback; this says what happened instead. Answers
    are counted by Bot API method and status (``metrics.count_api_answer`` counts only the
    methods that send a message: replies, push messages and their 429s).
    """

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send as PTB does; count the answer; a 407 answer raises NetworkError."""
        api_method = url.rsplit("/", 1)[-1]
        try:
            status, body = await super().do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,  # type: ignore[arg-type]
                write_timeout=write_timeout,  # type: ignore[arg-type]
                connect_timeout=connect_timeout,  # type: ignore[arg-type]
                pool_timeout=pool_timeout,  # type: ignore[arg-type]
            )
        except NetworkError:
            metrics.count_api_answer(api_method, None)
            raise
        metrics.count_api_answer(api_method, status)
        if status == 407:
            raise NetworkError(PROXY_REFUSED)
        return status, body


def bot_request(settings: Settings) -> HTTPXRequest:
    """The transport for the bot's own calls (replies, push, webhook registration)."""
    return BotApiRequest(connection_pool_size=BOT_POOL_SIZE, proxy=settings.telegram_proxy_url)


def updates_request(settings: Settings) -> HTTPXRequest:
    """The transport for getUpdates (one long poll at a time)."""
    return BotApiRequest(proxy=settings.telegram_proxy_url)


def api_address(settings: Settings) -> str:
    """Where the Bot API is, for a message: scheme, host and port, and the proxy if any."""
    parts = urlsplit(settings.telegram_base_url)
    where = f"{parts.scheme}://{parts.netloc}"
    proxy = settings.telegram_proxy_url
    return f"{where} via proxy {proxy_display(proxy)}" if proxy else where


async def wait_for_bot_api(
    settings: Settings,
    *,
    probe: Callable[[], Awaitable[object]] | None = None,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> int:
    """Ask for getMe until the Bot API answers; returns how many tries failed.

    Raises ``telegram.error.InvalidToken`` when the API refuses the token.
    """
    ask = probe or (lambda: _get_me(settings))
    delay = FIRST_RETRY_SECONDS
    failures = 0
    while True:
        try:
            await ask()
            if failures:
                log.warning("Telegram reachable again at %s", api_address(settings))
            return failures
        except NetworkError as exc:
            failures += 1
            log.warning(
                "Telegram unreachable at %s (%s); retrying in %g s",
                api_address(settings),
                describe_error(exc),
                delay,
            )
        await sleep(delay)
        delay = min(MAX_RETRY_SECONDS, delay * 2)


async def _get_me(settings: Settings) -> None:
    request = BotApiRequest(proxy=settings.telegram_proxy_url)
    bot = Bot(settings.token or "", base_url=settings.telegram_base_url, request=request)
    try:
        await bot.get_me()
    finally:
        await request.shutdown()
