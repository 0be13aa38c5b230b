"""A second process for the concurrency test: writes articles or chats into one SQLite file.

python -m tests.store.concurrent_writer articles|chats DATABASE_URL START COUNT
Prints "ok N" when every write went through, or the error.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import time

from bot.ingest import open_store
from tests.store.corpus import make_article, seed_paragraphs


async def write_articles(url: str, start: int, count: int) -> int:
    """Add ``count`` distinct articles in small batches, like an ingest of many files."""
    store = await open_store(url)
    paragraphs = seed_paragraphs()
    written = 0
    try:
        for first in range(start, start + count, 5):
            batch = [
                make_article(f"第{n}篇", paragraphs[n % len(paragraphs)] + f"（{n}）")
                for n in range(first, min(first + 5, start + count))
            ]
            written += len((await store.add_articles(batch)).added)
    finally:
        await store.close()
    return written


async def write_chats(url: str, start: int, count: int) -> int:
    """Create chats and subscribe them, like the bot answering /start and /subscribe."""
    store = await open_store(url)
    written = 0
    try:
        for chat_id in range(start, start + count):
            await store.ensure_chat(
                chat_id,
                type="private",
                language="zh",
                timezone="Asia/Shanghai",
                digest_time=time(8, 0),
            )
            await store.add_subscription(chat_id, "keyword", "志愿")
            await store.update_chat(chat_id, digest_time=time(9, chat_id % 60))
            written += 1
    finally:
        await store.close()
    return written


def main() -> int:
    """Run one writer and report how many rows it wrote."""
    kind, url, start, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    writer = write_articles if kind == "articles" else write_chats
    try:
        print("ok", asyncio.run(writer(url, start, count)))
    except Exception as exc:  # reported to the test, which fails on anything but "ok"
        print("error", type(exc).__name__, exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
