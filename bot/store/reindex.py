"""Rebuilding the full-text index with new tokens, and the record of what built it.

The store holds no language processing, so the caller hands it a function that turns a batch
of articles (id, title, body) into their new index tokens and fingerprints; the store reads the
articles in id order, in batches, and writes what the function returns.

- SQLite: the FTS5 index keeps no copy of its text (``content=''``), so its rows cannot be
  replaced one by one; a second index is filled beside it, batch by batch, and swapped in at
  the end in one transaction, together with the articles stored meanwhile and the new record.
  Until then searches use the old index, whole.
- PostgreSQL: each batch's ``tsvector`` rows are updated in place, a transaction per batch.

Either way a reindex that stops halfway leaves the old record, so the next one starts over.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import dialect, fulltext
from bot.store.records import ArticleIndex, IndexSource
from bot.store.schema import articles, index_meta

IndexBatch = Callable[[Sequence[IndexSource]], Awaitable[Sequence[ArticleIndex]]]
Progress = Callable[[int, int], None]

_SQLITE_NEW = "articles_fts_rebuilt"
# The same index as revision 0002 creates, under another name until it is swapped in.
_SQLITE_NEW_FTS = (
    f"CREATE VIRTUAL TABLE {_SQLITE_NEW} USING fts5("
    "title, body, content='', tokenize=\"ascii tokenchars '+#&._%-'\")"
)


async def read_meta(conn: AsyncConnection) -> dict[str, str]:
    """The recorded keys and values (empty when nothing is recorded)."""
    rows = await conn.execute(sa.select(index_meta.c.key, index_meta.c.value))
    return {row.key: row.value for row in rows}


async def write_meta(conn: AsyncConnection, backend: str, values: Mapping[str, str]) -> None:
    """Record ``values``, replacing what was recorded under the same keys."""
    for key, value in values.items():
        stmt = dialect.insert(backend, index_meta).values(key=key, value=value)
        await conn.execute(
            stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value})
        )


async def sources_after(conn: AsyncConnection, after: int, limit: int) -> list[IndexSource]:
    """The next ``limit`` articles with an id above ``after``, in id order."""
    stmt = (
        sa.select(articles.c.id, articles.c.title, articles.c.body)
        .where(articles.c.id > after)
        .order_by(articles.c.id)
        .limit(limit)
    )
    return [IndexSource(row.id, row.title, row.body) for row in await conn.execute(stmt)]


async def _write_fingerprints(conn: AsyncConnection, rows: Sequence[ArticleIndex]) -> None:
    stmt = (
        articles.update()
        .where(articles.c.id == sa.bindparam("_id"))
        .values(fingerprint=sa.bindparam("_fp"))
    )
    await conn.execute(stmt, [{"_id": r.id, "_fp": r.fingerprint} for r in rows])


async def _write_sqlite(conn: AsyncConnection, rows: Sequence[ArticleIndex]) -> None:
    await conn.execute(
        sa.text(f"INSERT INTO {_SQLITE_NEW} (rowid, title, body) VALUES (:id, :t, :b)"),
        [
            {
                "id": r.id,
                "t": fulltext.document_text(r.title_tokens),
                "b": fulltext.document_text(r.body_tokens),
            }
            for r in rows
        ],
    )
    await _write_fingerprints(conn, rows)


async def _write_postgresql(conn: AsyncConnection, rows: Sequence[ArticleIndex]) -> None:
    await conn.execute(
        sa.text("UPDATE articles_fts SET document = CAST(:doc AS tsvector) WHERE article_id = :id"),
        [{"id": r.id, "doc": fulltext.tsvector_text(r.title_tokens, r.body_tokens)} for r in rows],
    )
    await _write_fingerprints(conn, rows)


class Reindexer:
    """One rebuild of the index: batches in id order, then the swap and the record."""

    def __init__(
        self,
        backend: str,
        connect: Callable[[], Any],
        index: IndexBatch,
        *,
        batch: int,
        progress: Progress | None,
    ) -> None:
        self._backend = backend
        self._connect = connect  # an async context manager giving a write transaction
        self._index = index
        self._batch = batch
        self._progress = progress
        self._done = 0
        self._last = 0

    async def _step(self, conn: AsyncConnection, total: int) -> bool:
        sources = await sources_after(conn, self._last, self._batch)
        if not sources:
            return False
        rows = await self._index(sources)
        if self._backend == "sqlite":
            await _write_sqlite(conn, rows)
        else:
            await _write_postgresql(conn, rows)
        self._last = sources[-1].id
        self._done += len(sources)
        if self._progress is not None:
            self._progress(self._done, max(total, self._done))
        return True

    async def run(self, total: int, meta: Mapping[str, str]) -> int:
        """Rebuild every article's index and record ``meta``; the number of articles."""
        if self._backend == "sqlite":
            async with self._connect() as conn:
                await conn.execute(sa.text(f"DROP TABLE IF EXISTS {_SQLITE_NEW}"))
                await conn.execute(sa.text(_SQLITE_NEW_FTS))
        more = True
        while more:
            async with self._connect() as conn:
                more = await self._step(conn, total)
        async with self._connect() as conn:
            # Articles stored while the batches ran are indexed with the swap.
            while await self._step(conn, total):
                pass
            if self._backend == "sqlite":
                await conn.execute(sa.text("DROP TABLE articles_fts"))
                await conn.execute(sa.text(f"ALTER TABLE {_SQLITE_NEW} RENAME TO articles_fts"))
            await write_meta(conn, self._backend, meta)
        return self._done
