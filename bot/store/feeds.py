"""The feed registry: which feeds are polled, their validators, schedule and health.

The ``feeds`` table of the store's database (bot.store.schema, created by the store's Alembic
revisions 0003 and 0008), in SQLAlchemy Core on the store's engine, reached as
``store.feeds``. A feed is one row however many chats follow it: it is polled while it is one
of the operator's feeds (``is_global``: from FEEDS, /addfeed, the catalogue or an operator's
OPML import) or while a chat follows it, and not after it was disabled for failing too long.
Rows are never deleted, so a feed's id (which its articles carry) is never reused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store.engine import WRITE_OPTION
from bot.store.schema import articles, feeds, subscriptions

# Consecutive failures after which a feed is marked failing and admins are told.
FAILING_AFTER = 3


@dataclass(frozen=True)
class FeedMeta:
    """What is known of a feed besides its URL: from the catalogue or an OPML file."""

    title: str | None = None
    slug: str | None = None
    category: str | None = None
    site_url: str | None = None


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
    id: int = 0
    title: str | None = None
    slug: str | None = None
    category: str | None = None
    site_url: str | None = None
    is_global: bool = True
    first_failed_at: datetime | None = None
    disabled_at: datetime | None = None
    next_poll_at: datetime | None = None
    interval_seconds: int | None = None
    last_entry_at: datetime | None = None

    @property
    def failing(self) -> bool:
        """Marked as failing (and admins were told)."""
        return self.failing_since is not None

    @property
    def disabled(self) -> bool:
        """Disabled after failing for FEED_DISABLE_DAYS; no longer polled."""
        return self.disabled_at is not None

    @property
    def meta(self) -> FeedMeta:
        """Title, slug, category and site of the feed."""
        return FeedMeta(self.title, self.slug, self.category, self.site_url)


# The class below has a method named ``list``: its annotations use this alias.
Records = list[FeedRecord]


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
        id=row.id,
        title=row.title,
        slug=row.slug,
        category=row.category,
        site_url=row.site_url,
        is_global=bool(row.is_global),
        first_failed_at=row.first_failed_at,
        disabled_at=row.disabled_at,
        next_poll_at=row.next_poll_at,
        interval_seconds=row.interval_seconds,
        last_entry_at=row.last_entry_at,
    )


def _meta_values(meta: FeedMeta) -> dict[str, Any]:
    return {
        "title": meta.title,
        "slug": meta.slug,
        "category": meta.category,
        "site_url": meta.site_url,
    }


# A chat follows the feed: a 'feed' subscription names its URL.
_FOLLOWED = sa.exists().where(subscriptions.c.kind == "feed", subscriptions.c.value == feeds.c.url)


class FeedStore:
    """Reads and writes the ``feeds`` table; the store builds one (``SqlStore.feeds``)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def _write(self) -> Any:
        return self._engine.execution_options(**{WRITE_OPTION: True}).begin()

    async def _rows(self, where: sa.ColumnElement[bool] | None = None) -> Records:
        stmt = sa.select(feeds).order_by(feeds.c.id)
        if where is not None:
            stmt = stmt.where(where)
        async with self._engine.connect() as conn:
            return [_record(row) for row in await conn.execute(stmt)]

    async def list(self) -> Records:
        """The operator's feeds and the feeds chats follow, disabled ones included, in the
        order added (feeds nobody polls any more are left out)."""
        return await self._rows(sa.or_(feeds.c.is_global.is_(True), _FOLLOWED))

    async def polled(self) -> Records:
        """The feeds a polling round considers: listed and not disabled."""
        return await self._rows(
            sa.and_(sa.or_(feeds.c.is_global.is_(True), _FOLLOWED), feeds.c.disabled_at.is_(None))
        )

    async def all(self) -> Records:
        """Every row, polled or not (the catalogue view needs the ones turned off)."""
        return await self._rows()

    async def get(self, url: str) -> FeedRecord | None:
        """One feed by URL."""
        found = await self._rows(feeds.c.url == url)
        return found[0] if found else None

    async def by_urls(self, urls: Iterable[str]) -> dict[str, FeedRecord]:
        """The registered feeds among ``urls``, by URL."""
        wanted = list(dict.fromkeys(urls))
        if not wanted:
            return {}
        return {f.url: f for f in await self._rows(feeds.c.url.in_(wanted))}

    async def add(self, url: str, *, added_by: int | None, meta: FeedMeta | None = None) -> bool:
        """Make ``url`` one of the operator's feeds; False when it already was one.

        A feed only chats followed becomes the operator's; a disabled one is enabled again.
        """
        meta = meta or FeedMeta()
        async with self._write() as conn:
            row = (await conn.execute(sa.select(feeds).where(feeds.c.url == url))).first()
            if row is None:
                await _insert(conn, url, added_by=added_by, meta=meta, is_global=True)
                return True
            if row.is_global and row.disabled_at is None:
                return False
            await conn.execute(
                sa.update(feeds)
                .where(feeds.c.url == url)
                .values(is_global=True, disabled_at=None, **_missing_meta(row, meta))
            )
            return True

    async def register(
        self, url: str, *, added_by: int | None, meta: FeedMeta | None = None
    ) -> FeedRecord:
        """The feed's row, made (not one of the operator's) when new; known fields kept."""
        meta = meta or FeedMeta()
        async with self._write() as conn:
            row = (await conn.execute(sa.select(feeds).where(feeds.c.url == url))).first()
            if row is None:
                await _insert(conn, url, added_by=added_by, meta=meta, is_global=False)
            elif missing := _missing_meta(row, meta):
                await conn.execute(sa.update(feeds).where(feeds.c.url == url).values(**missing))
        record = await self.get(url)
        assert record is not None
        return record

    async def enable(self, url: str) -> None:
        """A disabled feed is polled again (a chat or an admin asked for it anew)."""
        async with self._write() as conn:
            await conn.execute(
                sa.update(feeds)
                .where(feeds.c.url == url, feeds.c.disabled_at.is_not(None))
                .values(
                    disabled_at=None,
                    failures=0,
                    failing_since=None,
                    first_failed_at=None,
                    next_poll_at=None,
                )
            )

    async def remove(self, url: str) -> bool:
        """No longer one of the operator's feeds; False when it was not one.

        Chats that follow it keep it (and keep it polled); the row stays either way.
        """
        async with self._write() as conn:
            result = await conn.execute(
                sa.update(feeds)
                .where(feeds.c.url == url, feeds.c.is_global.is_(True))
                .values(is_global=False)
            )
            return bool(result.rowcount)

    async def ensure(self, urls: tuple[str, ...]) -> None:
        """Register configured feeds that are not the operator's yet (added_by stays NULL)."""
        for url in urls:
            found = await self.get(url)
            if found is None or not found.is_global:
                await self.add(url, added_by=None)

    async def enable_new(self, entries: Sequence[tuple[str, FeedMeta]]) -> Sequence[str]:
        """Register as the operator's each (url, meta) whose URL and slug are both unknown;
        the URLs registered. A feed once registered (turned off later included) is left."""
        added: list[str] = []
        for url, meta in entries:
            known = feeds.c.url == url
            if meta.slug:
                known = sa.or_(known, feeds.c.slug == meta.slug)
            if await self._rows(known):
                continue
            await self.add(url, added_by=None, meta=meta)
            added.append(url)
        return added

    async def followers(self) -> dict[str, int]:
        """How many chats follow each followed feed, by URL."""
        stmt = (
            sa.select(subscriptions.c.value, sa.func.count())
            .where(subscriptions.c.kind == "feed")
            .group_by(subscriptions.c.value)
        )
        async with self._engine.connect() as conn:
            return {value: int(count) for value, count in await conn.execute(stmt)}

    async def items_since(self, since: datetime) -> dict[int, int]:
        """Articles stored from each feed and published (else stored) since ``since``, by id."""
        stmt = (
            sa.select(articles.c.feed_id, sa.func.count())
            .where(articles.c.feed_id.is_not(None), articles.c.sort_at >= since)
            .group_by(articles.c.feed_id)
        )
        async with self._engine.connect() as conn:
            return {int(feed_id): int(count) for feed_id, count in await conn.execute(stmt)}

    async def record_success(
        self,
        url: str,
        *,
        at: datetime,
        etag: str | None,
        last_modified: str | None,
        next_poll_at: datetime | None = None,
        interval_seconds: int | None = None,
        last_entry_at: datetime | None = None,
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
            "first_failed_at": None,
            "last_error": None,
            "next_poll_at": next_poll_at,
            "interval_seconds": interval_seconds,
        }
        # A 304 carries no new validators; keep the ones that earned it.
        if etag is not None:
            values["etag"] = etag
        if last_modified is not None:
            values["last_modified"] = last_modified
        if last_entry_at is not None and (
            before.last_entry_at is None or last_entry_at > before.last_entry_at
        ):
            values["last_entry_at"] = last_entry_at
        async with self._write() as conn:
            await conn.execute(sa.update(feeds).where(feeds.c.url == url).values(**values))
        return before

    async def record_failure(
        self,
        url: str,
        *,
        at: datetime,
        error: str,
        next_poll_at: datetime | None = None,
        interval_seconds: int | None = None,
    ) -> FeedRecord | None:
        """A poll that failed; the feed is marked failing at the FAILING_AFTER-th in a row.

        Returns the record after the update.
        """
        async with self._write() as conn:
            await conn.execute(
                sa.update(feeds)
                .where(feeds.c.url == url)
                .values(
                    last_polled_at=at,
                    failures=feeds.c.failures + 1,
                    last_error=error[:1000],
                    first_failed_at=sa.func.coalesce(feeds.c.first_failed_at, at),
                    next_poll_at=next_poll_at,
                    interval_seconds=interval_seconds,
                )
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

    async def disable(self, url: str, *, at: datetime) -> bool:
        """Stop polling a feed that failed too long; False when it was disabled already."""
        async with self._write() as conn:
            result = await conn.execute(
                sa.update(feeds)
                .where(feeds.c.url == url, feeds.c.disabled_at.is_(None))
                .values(disabled_at=at)
            )
            return bool(result.rowcount)


def _missing_meta(row: Any, meta: FeedMeta) -> dict[str, Any]:
    """The fields of ``meta`` the row does not have yet (what is known is never overwritten)."""
    return {
        name: value
        for name, value in _meta_values(meta).items()
        if value and not getattr(row, name)
    }


async def _insert(
    conn: AsyncConnection, url: str, *, added_by: int | None, meta: FeedMeta, is_global: bool
) -> None:
    """A new feed row: the operator's (``is_global``) or one only chats follow."""
    await conn.execute(
        sa.insert(feeds).values(
            url=url, added_by=added_by, failures=0, is_global=is_global, **_meta_values(meta)
        )
    )
