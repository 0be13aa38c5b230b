"""``python -m bot feeds ...``: the operator's feeds from the command line.

- ``feeds catalogue``: the shipped catalogue by category, with what is enabled;
- ``feeds list``: every polled feed with its health, as a table;
- ``feeds poll --once``: poll the due feeds now and print what each gave;
- ``feeds import FILE.opml`` / ``feeds export [FILE]``: the operator's feeds as OPML.

Every failure is one line on stderr and an exit status, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TextIO

from bot.config import Settings
from bot.ingest import Ingestor, describe_error, open_store
from bot.services.catalogue import CatalogueService
from bot.sources.catalogue import (
    CatalogueError,
    category_names,
    default_entries,
    load_catalogue,
)
from bot.sources.health import FeedHealth, feed_health, interval_text
from bot.store.feeds import FeedStore
from bot.store.sql_store import SqlStore
from summaries.topics import TopicsFileError, load_topics


class SetupError(Exception):
    """The command cannot start (database, topics or catalogue); the message says why."""


@dataclass
class Opened:
    """What every feeds subcommand works on."""

    store: SqlStore
    feeds: FeedStore
    catalogue: CatalogueService


@asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[Opened]:
    """The store, the feed registry and the catalogue; SetupError when one cannot be opened."""
    try:
        entries = load_catalogue(settings.catalogue_file)
    except CatalogueError as exc:
        raise SetupError(f"the feed catalogue cannot be read: {exc}") from None
    try:
        store = await open_store(settings.database_url, tokenizer=settings.tokenizer)
    except Exception as exc:
        raise SetupError(f"cannot open the database: {describe_error(exc)}") from None
    try:
        feeds = store.feeds
        catalogue = CatalogueService(feeds, entries, rsshub_ready=bool(settings.rsshub_base_url))
        yield Opened(store, feeds, catalogue)
    finally:
        await store.close()


async def feeds_main(command: str, settings: Settings, **options: object) -> int:
    """Run one ``feeds`` subcommand; the exit status."""
    try:
        if command == "catalogue":
            return await _catalogue(settings)
        if command == "list":
            return await _list(settings)
        if command == "poll":
            return await _poll(settings)
        if command in ("import", "export"):
            from bot.opml_cli import export_main, import_main

            path = options.get("file")
            if command == "import":
                return await import_main(str(path), settings)
            return await export_main(str(path) if path else None, settings)
    except SetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 1
    return 2


async def _catalogue(settings: Settings, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    async with opened(settings) as parts:
        items = await parts.catalogue.items()
    if not items:
        print(f"the catalogue is empty ({settings.catalogue_file})", file=out)
        return 0
    category = None
    for item in sorted(items, key=lambda i: _order(parts.catalogue, i.entry.category)):
        entry = item.entry
        if entry.category != category:
            category = entry.category
            zh, en = category_names(category)
            print(f"\n{zh} / {en} ({category})", file=out)
        mark = "✅" if item.enabled else ("⛔" if item.disabled else "  ")
        flags: list[str] = [entry.script, entry.confidence]
        if entry.full_text:
            flags.append("full text")
        if entry.default:
            flags.append("default")
        print(f"{mark} {entry.slug:<22} {entry.name}  [{', '.join(flags)}]", file=out)
        print(f"     {entry.url}", file=out)
    mode = settings.catalogue
    print(f"\nCATALOGUE={mode}; ✅ polled for everyone, ⛔ disabled for failing", file=out)
    return 0


def _order(catalogue: CatalogueService, category: str) -> int:
    names = [name for name, _ in catalogue.categories()]
    return names.index(category) if category in names else len(names)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def health_lines(rows: list[FeedHealth]) -> list[str]:
    """The feeds table: one header line, one line per feed (and its last error below it)."""
    lines = [
        f"{'#':>3}  {'state':<8} {'7 days':>6} {'every':>6} {'chats':>5} {'fails':>5}  "
        f"{'last ok':<16}  feed"
    ]
    for number, row in enumerate(rows, start=1):
        feed = row.feed
        name = feed.url if not feed.title else f"{feed.title} <{feed.url}>"
        scope = "" if feed.is_global else " (chats only)"
        lines.append(
            f"{number:>3}  {row.state:<8} {row.recent_items:>6} {interval_text(row.interval):>6} "
            f"{row.followers:>5} {feed.failures:>5}  {_when(feed.last_ok_at):<16}  {name}{scope}"
        )
        if feed.last_error and row.state != "ok":
            lines.append(f"{'':>5}last error: {feed.last_error}")
    return lines


async def _list(settings: Settings) -> int:
    now = datetime.now(UTC)
    async with opened(settings) as parts:
        rows = await feed_health(
            parts.feeds,
            now=now,
            base=timedelta(minutes=settings.feed_poll_minutes),
            configured=frozenset(settings.feeds),
        )
    if not rows:
        print("no feeds: enable catalogue entries, set FEEDS, or import an OPML file")
        return 0
    print("\n".join(health_lines(rows)))
    return 0


async def _poll(settings: Settings) -> int:
    try:
        topics = load_topics(settings.topics_file)
    except TopicsFileError as exc:
        raise SetupError(str(exc)) from None
    async with opened(settings) as parts:
        await parts.catalogue.enable_defaults(
            default_entries(parts.catalogue.entries, settings.catalogue)
        )
        ingestor = Ingestor(parts.store, settings=settings, topics=topics)
        report = await ingestor.poll_feeds(datetime.now(UTC), feeds=parts.feeds)
    for result in report.results:
        if result.error is not None:
            what = f"failed: {result.error}"
        elif result.not_modified:
            what = "unchanged (304)"
        else:
            what = f"added {result.added}, duplicate {result.duplicates}, refused {result.refused}"
        when = _when(result.next_poll_at)
        print(f"{result.url}: {what}; next poll {when}")
    if report.not_due:
        print(f"not due yet: {len(report.not_due)} feed(s)")
    if not report.results and not report.not_due:
        print("no feeds to poll")
    for url, reason in report.newly_disabled:
        print(f"disabled after failing for {settings.feed_disable_days} days: {url}: {reason}")
    print(f"added: {report.added}")
    return 0
