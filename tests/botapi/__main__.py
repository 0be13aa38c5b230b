"""Run the emulator on its own: ``python -m tests.botapi --port 8081 --telegram-limits``.

Prints ``BASE_URL=...`` and ``TOKEN=...``; counters at GET /_emulator/stats.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from tests.botapi.emulator import DEFAULT_TOKEN
from tests.botapi.limits import RateLimits
from tests.botapi.server import BotApiEmulator


def _limits(args: argparse.Namespace) -> RateLimits:
    limits = RateLimits.telegram() if args.telegram_limits else RateLimits()
    if args.global_rate is not None:
        limits.global_per_second = args.global_rate or None
    if args.chat_rate is not None:
        limits.per_chat_per_second = args.chat_rate or None
    if args.group_rate is not None:
        limits.per_group_per_minute = args.group_rate or None
    return limits


async def _serve(args: argparse.Namespace) -> None:
    emulator = BotApiEmulator(
        args.token, port=args.port, rate_limits=_limits(args), record=not args.no_record
    )
    async with emulator:
        print(f"BASE_URL={emulator.base_url}", flush=True)
        print(f"TOKEN={emulator.token}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()


def main() -> None:
    """Parse arguments and serve until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(description="Telegram Bot API emulator on 127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument(
        "--telegram-limits", action="store_true", help="30/s, 1/s/chat, 20/min/group"
    )
    parser.add_argument("--global-rate", type=float, help="messages per second overall (0: off)")
    parser.add_argument("--chat-rate", type=float, help="messages per second per chat (0: off)")
    parser.add_argument("--group-rate", type=int, help="messages per minute per group (0: off)")
    parser.add_argument("--no-record", action="store_true", help="count messages, keep none")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(parser.parse_args()))


if __name__ == "__main__":
    main()
