"""Command line: ``python -m bot`` runs the bot; subcommands serve operators and scripts.

Each subcommand imports its module only when chosen, so ``--help`` and the token check stay fast.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.config import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="wenzhai (文摘) bot")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the default): long polling, or webhook if set")
    sub.add_parser("migrate", help="create or upgrade the database schema")
    ingest = sub.add_parser("ingest", help="load articles from files, folders, pages or feeds")
    ingest.add_argument("sources", nargs="+", metavar="PATH_OR_URL")
    search = sub.add_parser("search", help="search stored articles")
    search.add_argument("words", nargs="+")
    search.add_argument("--limit", type=int, default=5)
    deliver = sub.add_parser("deliver", help="push digests that are due")
    deliver.add_argument("--once", action="store_true", required=True, help="run one tick now")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]).upper()
        where = f"setting {field}: " if field else "settings: "
        print(f"error: {where}{first['msg']}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL at INFO, and Bot API URLs carry the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Alembic narrates its plugin setup at INFO; `migrate` prints its own one-line summary.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # jieba attaches its own stderr handler and resets its level to DEBUG when imported, so
    # quiet it after importing it (the import is cheap: the dictionary loads on first use).
    import jieba

    jieba.setLogLevel(logging.WARNING)
    try:
        return _dispatch(args, settings)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, and keep Python's own flush at
        # exit from raising again on the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    command = args.command or "run"
    if command == "run":
        from bot.app import run_bot

        return run_bot(settings)
    if command == "migrate":
        from bot.ingest import migrate

        return asyncio.run(migrate(settings.database_url))
    if command == "ingest":
        from bot.cli import ingest_main

        return asyncio.run(ingest_main(args.sources, settings))
    if command == "search":
        from bot.cli import search_main

        return asyncio.run(search_main(" ".join(args.words), settings, limit=args.limit))
    if command == "deliver":
        from bot.delivery.cli import deliver_once_main

        return asyncio.run(deliver_once_main(settings))
    return 2


if __name__ == "__main__":
    sys.exit(main())
