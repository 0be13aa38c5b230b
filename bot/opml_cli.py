"""``python -m bot feeds import FILE.opml`` and ``feeds export [FILE]``: the operator's feeds.

An import makes every feed of the file one of the operator's (polled for everyone) and prints
what was added, already there and refused, with reasons; a file refused whole imports nothing
and says why. An export writes the operator's feeds as OPML 2.0, one folder per category.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.config import Settings
from bot.feeds_cli import Opened, SetupError, opened
from bot.services.chat_feeds import ChatFeedService
from bot.services.chats import ChatService
from bot.sources.opml import MAX_OPML_BYTES
from bot.sources.registry import FeedRegistry


def _service(parts: Opened, settings: Settings) -> ChatFeedService:
    chats = ChatService(
        parts.store,
        default_timezone=settings.default_timezone,
        default_digest_time=settings.default_digest_time,
    )
    return ChatFeedService(
        parts.store,
        chats,
        FeedRegistry(parts.feeds, settings=settings),
        parts.catalogue,
        max_per_chat=settings.max_feeds_per_chat,
        multiuser=True,
        admin_ids=settings.admin_ids,
        rsshub_base=settings.rsshub_base_url[0] if settings.rsshub_base_url else None,
    )


def _read(path: str) -> bytes:
    file = Path(path)
    try:
        if file.stat().st_size > MAX_OPML_BYTES:
            # The parser says it in its own words; reading stops at the limit.
            with file.open("rb") as handle:
                return handle.read(MAX_OPML_BYTES + 1)
        return file.read_bytes()
    except OSError as exc:
        raise SetupError(f"cannot read {path}: {exc.strerror}") from None


async def import_main(path: str, settings: Settings) -> int:
    """Import an OPML file as the operator's feeds; 0 unless the file was refused whole."""
    data = _read(path)
    async with opened(settings) as parts:
        report = await _service(parts, settings).import_global(data, added_by=None)
    if report.error is not None:
        print(f"error: {path}: {report.error}; nothing was imported", file=sys.stderr)
        return 1
    print(f"added: {len(report.added)}")
    print(f"already there: {len(report.existing)}")
    print(f"refused: {len(report.refused)}")
    for url in report.added:
        print(f"added {url}")
    for url, reason in report.refused:
        print(f"refused {url}: {reason}")
    return 0


async def export_main(path: str | None, settings: Settings) -> int:
    """Write the operator's feeds as OPML to FILE, or to standard output."""
    async with opened(settings) as parts:
        count, document = await _service(parts, settings).export_global()
    if path is None:
        sys.stdout.buffer.write(document)
        sys.stdout.flush()
        return 0
    try:
        await asyncio.to_thread(Path(path).write_bytes, document)
    except OSError as exc:
        raise SetupError(f"cannot write {path}: {exc.strerror}") from None
    print(f"exported {count} feed(s) to {path}", file=sys.stderr)
    return 0
