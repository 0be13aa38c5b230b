"""``python -m bot deliver --once``: one push tick by hand, printing what it sent."""

from __future__ import annotations

import sys

from telegram import Bot
from telegram.error import InvalidToken, NetworkError

from bot.config import Settings
from bot.delivery.jobs import make_pusher, push_config
from bot.delivery.lean_request import push_request
from bot.delivery.outage import describe
from bot.delivery.report import ChatResult, TickReport
from bot.logs import scrub
from bot.store.dialect import is_unavailable


def _print_result(result: ChatResult) -> None:
    if result.outcome == "sent":
        print(f"sent    chat {result.chat_id}: {result.parts} message(s)", flush=True)
    elif result.outcome == "nothing_new":
        print(f"empty   chat {result.chat_id}: nothing new", flush=True)
    else:
        print(f"{result.outcome:<7} chat {result.chat_id}: {result.detail}", flush=True)


async def deliver_once_main(settings: Settings) -> int:
    """Run one push tick with a plain Bot; 0 when it ran, 1 on failure, 2 without a token.

    A database that stops answering is waited for; if it stays away, one error line says
    so (and how many sent digests could not be recorded) and the status is 1.
    """
    token = settings.token
    if not token:
        print(
            "error: TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather and put it in .env",
            file=sys.stderr,
        )
        return 2
    from bot.ingest import open_store
    from bot.store import DatabaseUrlError
    from summaries.topics import TopicsFileError, load_topics

    try:
        topics = load_topics(settings.topics_file)
        store = await open_store(settings.database_url, tokenizer=settings.tokenizer)
    except (TopicsFileError, DatabaseUrlError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        print(f"error: cannot reach the database: {scrub(describe(exc))}", file=sys.stderr)
        return 1
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
    if report.store_error:
        unsaved = report.outcomes["unsaved"]
        lost = (
            f"; {unsaved} digest(s) were sent but not recorded and may go out again"
            " once their lease runs out"
            if unsaved
            else ""
        )
        print(f"error: push stopped: {scrub(report.store_error)}{lost}", file=sys.stderr)
        return 1
    return 0
