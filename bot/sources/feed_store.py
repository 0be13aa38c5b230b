"""The feed registry: which feeds are polled, their validators and their health.

The ``feeds`` table of the store's database (bot.store.schema, created by the store's Alembic
revision 0003), in SQLAlchemy Core on the store's engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.engine import WRITE_OPTION
from bot.store.schema import feeds

# Consecutive failures after which a feed is marked failing and admins are told.
FAILING_AFTER = 3


class HasEngine(Protocol):
    """A store that exposes its SQLAlchemy engine (both store backends do)."""

    @property
    def engine(self) -> AsyncEngine:
        """The store's async engine."""
        ...


@dataclass(frozen=True)
class FeedRecord:
    """One registered feed."""

    url: str
    etag: str | None
    last_modified: str | None
    last_polled_at: datetime | None
    last_ok_at: datetime | None
    failures: int
    failing_since: datetime | None
    last_error: str | None
    added_by: int | None

    @property
    def failing(self) -> bool:
        """Marked as failing (and admins were told)."""
        return self.failing_since is not None


def _record(row: Any) -> FeedRecord:
    return FeedRecord(
        url=row.url,
        etag=row.etag,
        last_modified=row.last_modified,
        last_polled_at=row.last_polled_at,
        last_ok_at=row.last_ok_at,
        failures=row.failures,
        failing_since=row.failing_since,
        last_error=row.last_error,
        added_by=row.added_by,
    )


class FeedStore:
    """Reads and writes the ``feeds`` table."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @classmethod
    async def open(cls, store: HasEngine) -> FeedStore:
        """The registry on ``store``'s database (its table comes with the store's migrations)."""
        return cls(store.engine)

    def _write(self) -> Any:
        return self._engine.execution_options(**{WRITE_OPTION: True}).begin()

    async def list(self) -> list[FeedRecord]:
        """Every feed, in the order added."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(sa.select(feeds).order_by(feeds.c.id))
            return [_record(row) for row in rows]

    async def get(self, url: str) -> FeedRecord | None:
        """One feed by URL."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(feeds).where(feeds.c.url == url))).first()
            return _record(row) if row is not None else None

    async def add(self, url: str, *, added_by: int | None) -> bool:
        """Register a feed; False when it was already registered."""
        async with self._write() as conn:
            exists = await conn.scalar(sa.select(feeds.c.id).where(feeds.c.url == url))
            if exists is not None:
                return False
            await conn.execute(sa.insert(feeds).values(url=url, added_by=added_by, failures=0))
            return True

    async def remove(self, url: str) -> bool:
        """Forget a feed; False when it was not registered."""
        async with self._write() as conn:
            result = await conn.execute(sa.delete(feeds).where(feeds.c.url == url))
            return bool(result.rowcount)

    async def ensure(self, urls: tuple[str, ...]) -> None:
        """Register configured feeds that are not registered yet (added_by stays NULL)."""
        for url in urls:
            await self.add(url, added_by=None)

    async def record_success(
        self, url: str, *, at: datetime, etag: str | None, last_modified: str | None
    ) -> FeedRecord | None:
        """A poll that read the feed (or got 304): failures reset, validators kept.

        Returns the record as it was before, so the caller sees whether it had been failing.
        """
        before = await self.get(url)
        if before is None:
            return None
        values: dict[str, Any] = {
            "last_polled_at": at,
            "last_ok_at": at,
            "failures": 0,
            "failing_since": None,
            "last_error": None,
        }
        # A 304 carries no new validators; keep the ones that earned it.
        if etag is not None:
            values["etag"] = etag
        if last_modified is not None:
            values["last_modified"] = last_modified
        async with self._write() as conn:
            await conn.execute(sa.update(feeds).where(feeds.c.url == url).values(**values))
        return before

    async def record_failure(self, url: str, *, at: datetime, error: str) -> FeedRecord | None:
        """A poll that failed; the feed is marked failing at the FAILING_AFTER-th in a row.

        Returns the record after the update.
        """
        async with self._write() as conn:
            await conn.execute(
                sa.update(feeds)
                .where(feeds.c.url == url)
                .values(last_polled_at=at, failures=feeds.c.failures + 1, last_error=error[:1000])
            )
            await conn.execute(
                sa.update(feeds)
                .where(
                    feeds.c.url == url,
                    feeds.c.failures >= FAILING_AFTER,
                    feeds.c.failing_since.is_(None),
                )
                .values(failing_since=at)
            )
        return await self.get(url)
