"""``python -m bot deliver --once``: one push tick by hand, printing what it sent."""

from __future__ import annotations

import sys

from telegram import Bot
from telegram.error import InvalidToken, NetworkError

from bot.config import Settings
from bot.delivery.jobs import make_pusher, push_config
from bot.delivery.lean_request import push_request
from bot.delivery.push import ChatResult, TickReport
from bot.logs import scrub


def _print_result(result: ChatResult) -> None:
    if result.outcome == "sent":
        print(f"sent    chat {result.chat_id}: {result.parts} message(s)", flush=True)
    elif result.outcome == "nothing_new":
        print(f"empty   chat {result.chat_id}: nothing new", flush=True)
    else:
        print(f"{result.outcome:<7} chat {result.chat_id}: {result.detail}", flush=True)


async def deliver_once_main(settings: Settings) -> int:
    """Run one push tick with a plain Bot; 0 when it ran, 1 on failure, 2 without a token."""
    token = settings.token
    if not token:
        print(
            "error: TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather and put it in .env",
            file=sys.stderr,
        )
        return 2
    from bot.ingest import open_store
    from bot.services.topics import TopicsFileError, load_topics
    from bot.store import DatabaseUrlError

    try:
        topics = load_topics(settings.topics_file)
        store = await open_store(settings.database_url, tokenizer=settings.tokenizer)
    except (TopicsFileError, DatabaseUrlError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        config = push_config(settings)
        request = push_request(config.concurrency, settings.telegram_proxy_url)
        async with Bot(token, base_url=settings.telegram_base_url, request=request) as bot:
            pusher = make_pusher(settings=settings, store=store, bot=bot, topics=topics)
            report: TickReport = await pusher.tick(on_result=_print_result)
    except InvalidToken:
        print("error: Telegram refused the bot token", file=sys.stderr)
        return 1
    except NetworkError as exc:
        print(f"error: cannot reach the Bot API: {scrub(str(exc))}", file=sys.stderr)
        return 1
    finally:
        await store.close()
    print(report.summary())
    if report.halted:
        print("error: Telegram refused the bot token", file=sys.stderr)
        return 1
    return 0
