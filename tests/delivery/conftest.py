"""Fixtures for the push: real Chinese articles, stores on SQLite and PostgreSQL, a fake clock."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import tomllib
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.ingest import open_store
from bot.store.records import NewArticle
from bot.store.sql_store import SqlStore
from summaries import Summarizer, parse_topics, split_page
from summaries.model import Topic
from summaries.tokens import search_tokens
from tests.postgres import fresh_database
from tests.private_postgres import private_postgres  # noqa: F401  (a fixture for outage tests)

REPO = Path(__file__).resolve().parents[2]
SEED_PAGE = REPO / "seeds" / "000_a9c33694dae72277.txt"


class FakeClock:
    """A UTC clock the test moves; ``sleep`` moves it instead of waiting."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def timestamp(self) -> float:
        """The clock as epoch seconds (for the emulator's records)."""
        return self.now.timestamp()

    async def sleep(self, seconds: float) -> None:
        """Jump to the wake-up time (never backwards) and let other tasks run."""
        # Rounded up to the microsecond, so that a sleep always moves the clock.
        target = self.now + timedelta(microseconds=math.ceil(max(0.0, seconds) * 1e6))
        self.now = max(self.now, target)
        await asyncio.sleep(0)

    def set(self, when: datetime) -> None:
        """Move to ``when`` (forward only)."""
        assert when >= self.now, "the clock never goes back"
        self.now = when


@pytest.fixture(scope="session")
def topics() -> tuple[Topic, ...]:
    """The topics that ship with the bot."""
    with (REPO / "seeds" / "topics.toml").open("rb") as handle:
        return parse_topics(tomllib.load(handle)["topic"])


def seed_articles(
    topics: Sequence[Topic], *, max_chars: int = 150, max_sentences: int = 3, tag: str = ""
) -> list[NewArticle]:
    """The seed page's articles, summarized, as the ingest would store them."""
    published = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)
    out = []
    summarizer = Summarizer(topics=topics, max_chars=max_chars, max_sentences=max_sentences)
    for n, article in enumerate(split_page(SEED_PAGE.read_text(encoding="utf-8"))):
        summary = summarizer.summarize(article)
        title = article.title or summary.digest[0][:20]
        body = article.body + tag
        out.append(
            NewArticle(
                title=title,
                body=body,
                digest=summary.digest,
                keywords=summary.keywords,
                topics=summary.topics,
                source=f"seeds/{SEED_PAGE.name}",
                content_hash=hashlib.sha256(body.encode()).hexdigest(),
                subtitle=article.subtitle,
                authors=article.authors,
                kind=article.kind,
                url=f"https://example.com/{tag or 'seed'}/{n}",
                published_at=published + timedelta(minutes=n),
                title_tokens=tuple(search_tokens(title)),
                body_tokens=tuple(search_tokens(body)),
            )
        )
    return out


@pytest.fixture(scope="session")
def articles(topics: tuple[Topic, ...]) -> list[NewArticle]:
    """The five seed articles with ordinary digests."""
    return seed_articles(topics)


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    """A fresh SQLite store in a temporary file."""
    store = await open_store(f"sqlite:///{tmp_path / 'wenzhai.db'}")
    try:
        yield store
    finally:
        await store.close()


def pg_database() -> contextlib.AbstractAsyncContextManager[str]:
    """A fresh PostgreSQL database (dropped afterwards); skips without a server unless CI."""
    return fresh_database("push")


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """The URL of a fresh PostgreSQL database for one test."""
    async with pg_database() as url:
        yield url


async def add_chat(
    store: SqlStore,
    chat_id: int,
    *,
    timezone: str = "Asia/Shanghai",
    at: time = time(8, 0),
    topics: Sequence[str] = ("volunteer",),
    language: str = "zh",
) -> None:
    """A chat with a push time and topic subscriptions."""
    kind = "private" if chat_id > 0 else "group"
    await store.ensure_chat(
        chat_id, type=kind, language=language, timezone=timezone, digest_time=at
    )
    for slug in topics:
        await store.add_subscription(chat_id, "topic", slug)
