"""Command line: ``python -m bot`` runs the bot; subcommands serve operators and scripts.

Each subcommand imports its module only when chosen, so ``--help`` and the token check stay fast.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.config import Settings
from bot.logs import configure_logging


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="wenzhai (文摘) bot")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the default): long polling, or webhook if set")
    sub.add_parser("migrate", help="create or upgrade the database schema")
    ingest = sub.add_parser("ingest", help="load articles from files, folders, pages or feeds")
    ingest.add_argument("sources", nargs="*", metavar="PATH_OR_URL")
    ingest.add_argument(
        "--jsonl",
        action="append",
        default=[],
        metavar="FILE",
        help='a JSON Lines file of {"title", "text", "url", "published"} (repeatable)',
    )
    sub.add_parser("retag", help="classify every stored article again with the category model")
    search = sub.add_parser("search", help="search stored articles")
    search.add_argument("words", nargs="+")
    search.add_argument("--limit", type=int, default=5)
    sub.add_parser("reindex", help="rebuild the search index with TOKENIZER")
    deliver = sub.add_parser("deliver", help="push digests that are due")
    deliver.add_argument("--once", action="store_true", required=True, help="run one tick now")
    export = sub.add_parser("export", help="write the whole store as JSON Lines")
    export.add_argument("file", nargs="?", metavar="FILE", help="default: standard output")
    load = sub.add_parser("import", help="load a JSON Lines export into the store (idempotent)")
    load.add_argument("file", metavar="FILE", help="an export file, or - for standard input")
    feeds = sub.add_parser("feeds", help="the catalogue and the operator's feeds")
    feeds_sub = feeds.add_subparsers(dest="feeds_command", required=True)
    feeds_sub.add_parser("catalogue", help="the shipped catalogue, with what is enabled")
    feeds_sub.add_parser("list", help="every polled feed with its health")
    poll = feeds_sub.add_parser("poll", help="poll the due feeds now and print what each gave")
    poll.add_argument("--once", action="store_true", required=True, help="one round, now")
    feeds_import = feeds_sub.add_parser("import", help="add the feeds of an OPML file")
    feeds_import.add_argument("file", metavar="FILE.opml")
    feeds_export = feeds_sub.add_parser("export", help="write the operator's feeds as OPML")
    feeds_export.add_argument("file", nargs="?", metavar="FILE", help="default: standard output")
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
        message = first["msg"].removeprefix("Value error, ")
        print(f"error: {where}{message}", file=sys.stderr)
        return 2
    # One setup for every command: the token and proxy passwords never reach a log line.
    configure_logging(settings)
    # jieba attaches its own stderr handler and resets its level to DEBUG when imported, so
    # quiet it after importing it (the import is cheap: the dictionary loads on first use).
    import jieba

    jieba.setLogLevel(logging.WARNING)
    try:
        return _dispatch(args, settings)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly.
        from summaries.cli import stdout_closed

        stdout_closed()
        return 1


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    command = args.command or "run"
    if command == "run":
        from bot.app import run_bot

        return run_bot(settings)
    if command == "migrate":
        from bot.ingest import migrate

        return asyncio.run(migrate(settings.database_url, tokenizer=settings.tokenizer))
    if command == "ingest":
        from bot.cli import ingest_main

        if not args.sources and not args.jsonl:
            print("error: give PATH_OR_URL or --jsonl FILE", file=sys.stderr)
            return 2
        return asyncio.run(ingest_main(args.sources, settings, jsonl=args.jsonl))
    if command == "retag":
        from bot.cli import retag_main

        return asyncio.run(retag_main(settings))
    if command == "search":
        from bot.cli import search_main

        return asyncio.run(search_main(" ".join(args.words), settings, limit=args.limit))
    if command == "reindex":
        from bot.cli import reindex_main

        return asyncio.run(reindex_main(settings))
    if command == "deliver":
        from bot.delivery.cli import deliver_once_main

        return asyncio.run(deliver_once_main(settings))
    if command == "feeds":
        from bot.feeds_cli import feeds_main

        return asyncio.run(
            feeds_main(args.feeds_command, settings, file=getattr(args, "file", None))
        )
    if command in ("export", "import"):
        from bot.ingest.index import analyzer_for
        from bot.store.export import export_main, import_main
        from summaries.segmenter import segmenter

        analyzer = analyzer_for(segmenter(settings.tokenizer))
        if command == "export":
            return asyncio.run(export_main(settings.database_url, args.file, analyzer=analyzer))
        # The target's index first made current (or recorded), so that the imported articles,
        # indexed with the same tokenizer, keep the record true.
        from bot.ingest import open_store

        async def current_index() -> None:
            await (await open_store(settings.database_url, tokenizer=settings.tokenizer)).close()

        try:
            asyncio.run(current_index())
        except Exception as exc:  # the import itself says what is wrong with the database
            logging.getLogger(__name__).debug("index check before import: %s", exc)
        return asyncio.run(import_main(settings.database_url, args.file, analyzer=analyzer))
    return 2


if __name__ == "__main__":
    sys.exit(main())
