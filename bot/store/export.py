"""The whole store as JSON Lines, and back: ``python -m bot export [FILE]`` / ``import FILE``.

Made to move a bot from SQLite to PostgreSQL (or to another machine). The first line is a
header (``{"type": "export", "format": "wenzhai-store", ...}``); then one line per row,
``{"type": TABLE, "row": {COLUMN: VALUE, ...}}`` (the row apart, as chats have a column named
type): every table of ``bot.store.schema.metadata`` in dependency order
(articles with their digests, chats, subscriptions, deliveries, feeds, and any table added
later), each row by primary key. JSON list columns are written as lists, times in ISO 8601.

The full-text index is not exported: it is rebuilt from each article as the article goes in,
for the target's backend. Import keeps ids, so the delivery log still names the right articles;
it is idempotent: a row already there (same key or same unique value) is skipped, and an article
found under another id is mapped to that id in the rows that name it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import articles as article_queries
from bot.store import dialect
from bot.store.engine import WRITE_OPTION, DatabaseUrlError
from bot.store.fulltext import Analyzer
from bot.store.records import NewArticle
from bot.store.rows import dump_list
from bot.store.schema import articles, deliveries, metadata
from bot.store.sql_store import SqlStore

FORMAT = "wenzhai-store"
VERSION = 1
BATCH = 500


class ImportFileError(ValueError):
    """A line of the export file cannot be imported; the message says which and why."""


def _is_json_list(column: sa.Column[Any]) -> bool:
    # The list columns hold JSON text and default to '[]' (see bot.store.schema).
    default = column.server_default
    return getattr(default, "arg", None) == "[]"


def _plain(column: sa.Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if _is_json_list(column) and isinstance(value, str):
        return json.loads(value)
    return value


def _column_value(column: sa.Column[Any], value: Any) -> Any:
    if value is None:
        return None
    kind = getattr(column.type, "impl_instance", column.type)  # a TypeDecorator's own type
    if isinstance(kind, sa.DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, sa.Date):
        return date.fromisoformat(value)
    if _is_json_list(column) and isinstance(value, list):
        return dump_list(value)
    return value


async def _revision(conn: AsyncConnection) -> str | None:
    try:
        return (await conn.execute(sa.text("SELECT version_num FROM alembic_version"))).scalar()
    except Exception:  # no migration table: an empty or foreign database
        return None


async def export_records(store: SqlStore) -> AsyncIterator[dict[str, Any]]:
    """The header, then every row of every table, one dict each (see the module docstring)."""
    async with store.engine.connect() as conn, conn.begin():
        yield {
            "type": "export",
            "format": FORMAT,
            "version": VERSION,
            "revision": await _revision(conn),
            "backend": store.backend,
            "exported_at": datetime.now(UTC).isoformat(),
        }
        for table in metadata.sorted_tables:
            stmt = sa.select(table).order_by(*table.primary_key.columns)
            rows = await conn.stream(stmt)
            async for row in rows:
                values = {c.name: _plain(c, row._mapping[c.name]) for c in table.columns}
                yield {"type": table.name, "row": values}


@dataclass
class ImportReport:
    """Per table: rows added and rows already there; columns the target has not got."""

    added: dict[str, int] = field(default_factory=dict)
    present: dict[str, int] = field(default_factory=dict)
    ignored_columns: set[str] = field(default_factory=set)

    def lines(self) -> list[str]:
        """One line per table, in the order met."""
        names = list(dict.fromkeys([*self.added, *self.present]))
        out = [
            f"{name}: {self.added.get(name, 0)} added, {self.present.get(name, 0)} already there"
            for name in names
        ]
        if self.ignored_columns:
            out.append(f"ignored (not in this schema): {', '.join(sorted(self.ignored_columns))}")
        return out


class Importer:
    """Writes records into a store, one table batch per transaction."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.report = ImportReport()
        self._tables = {table.name: table for table in metadata.sorted_tables}
        self._article_ids: dict[int, int] = {}  # exported id -> id in this store, when they differ

    async def load(self, records: Iterable[tuple[int, dict[str, Any]]]) -> ImportReport:
        """Import (line number, record) pairs; raises ImportFileError on a bad one."""
        batch: list[tuple[int, dict[str, Any]]] = []
        for number, record in records:
            kind = record.get("type")
            if kind == "export":
                _check_header(number, record)
                continue
            if kind not in self._tables:
                raise ImportFileError(f"line {number}: unknown record type {kind!r}")
            if batch and batch[0][1]["type"] != kind or len(batch) >= BATCH:
                await self._write(batch)
                batch = []
            batch.append((number, record))
        if batch:
            await self._write(batch)
        await self._advance_sequences()
        return self.report

    async def _write(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        table = self._tables[batch[0][1]["type"]]
        async with self.store.engine.connect() as conn:
            await conn.execution_options(**{WRITE_OPTION: True})
            async with conn.begin():
                for number, record in batch:
                    try:
                        values = self._values(table, record)
                    except (TypeError, ValueError) as exc:
                        raise ImportFileError(f"line {number}: {exc}") from exc
                    added = await self._insert(conn, table, values)
                    counts = self.report.added if added else self.report.present
                    counts[table.name] = counts.get(table.name, 0) + 1

    def _values(self, table: sa.Table, record: dict[str, Any]) -> dict[str, Any]:
        row = record.get("row")
        if not isinstance(row, dict):
            raise ValueError("the record has no row")
        values: dict[str, Any] = {}
        for name, value in row.items():
            if name not in table.columns:
                self.report.ignored_columns.add(f"{table.name}.{name}")
                continue
            values[name] = _column_value(table.columns[name], value)
        # Rows that name articles follow an article found under another id.
        for column in table.columns:
            names_article = column.info.get("names_article") or any(
                fk.column is articles.c.id for fk in column.foreign_keys
            )
            if column.name in values and names_article:
                old = values[column.name]
                values[column.name] = self._article_ids.get(old, old)
        if table is deliveries and self._article_ids and "article_ids" in values:
            ids = json.loads(values["article_ids"])
            values["article_ids"] = dump_list([self._article_ids.get(i, i) for i in ids])
        return values

    async def _insert(self, conn: AsyncConnection, table: sa.Table, values: dict[str, Any]) -> bool:
        stmt = dialect.insert(self.store.backend, table).values(values).on_conflict_do_nothing()
        if table is not articles:
            return bool((await conn.execute(stmt)).rowcount)
        found = await conn.execute(stmt.returning(articles.c.id))
        if found.scalar_one_or_none() is None:
            await self._map_present_article(conn, values)
            return False
        article = NewArticle(
            title=values["title"],
            body=values["body"],
            digest=tuple(json.loads(values.get("digest") or "[]")),
            keywords=tuple(json.loads(values.get("keywords") or "[]")),
            topics=tuple(json.loads(values.get("topics") or "[]")),
            source=values["source"],
            content_hash=values["content_hash"],
            title_tokens=tuple(self.store.analyzer.tokens(values["title"])),
            body_tokens=tuple(self.store.analyzer.tokens(values["body"])),
        )
        await article_queries._index(
            conn, self.store.backend, values["id"], article, sort_at=values["sort_at"]
        )
        return True

    async def _map_present_article(self, conn: AsyncConnection, values: dict[str, Any]) -> None:
        match = articles.c.content_hash == values["content_hash"]
        if values.get("url"):
            match = sa.or_(match, articles.c.url == values["url"])
        stmt = sa.select(articles.c.id).where(match).order_by(articles.c.id).limit(1)
        present = (await conn.execute(stmt)).scalar_one_or_none()
        if present is not None and present != values["id"]:
            self._article_ids[values["id"]] = present

    async def _advance_sequences(self) -> None:
        # Rows came in with their ids: sequences (PostgreSQL's) must move past them.
        async with self.store.engine.begin() as conn:
            for table in metadata.sorted_tables:
                keys = list(table.primary_key.columns)
                if len(keys) != 1 or keys[0].autoincrement is False:
                    continue
                statement = dialect.advance_sequence(self.store.backend, table.name, keys[0].name)
                if statement is not None:
                    await conn.execute(statement)


def _check_header(number: int, record: dict[str, Any]) -> None:
    if record.get("format") != FORMAT or record.get("version") != VERSION:
        raise ImportFileError(
            f"line {number}: not a {FORMAT} export of version {VERSION} "
            f"(format {record.get('format')!r}, version {record.get('version')!r})"
        )


def read_records(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) for each non-empty line; ImportFileError for a line not a record."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportFileError(f"line {number}: not JSON ({exc.msg})") from None
        if not isinstance(record, dict) or "type" not in record:
            raise ImportFileError(f"line {number}: not a record with a type")
        yield number, record


# -- command line -----------------------------------------------------------------------------


def _one_line(exc: BaseException) -> str:
    cause = exc.__cause__ or exc
    first = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first[:200]}"


@contextmanager
def _output(file: str | None) -> Iterator[IO[str]]:
    if file in (None, "-"):
        yield sys.stdout
        return
    with Path(str(file)).open("w", encoding="utf-8") as handle:
        yield handle


async def export_main(database_url: str, file: str | None, *, analyzer: Analyzer) -> int:
    """``python -m bot export [FILE]``: the exit status; the summary goes to stderr."""
    from bot.store import open_store

    counts: dict[str, int] = {}
    try:
        store = await open_store(database_url, analyzer=analyzer)
    except DatabaseUrlError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        with _output(file) as out:
            async for record in export_records(store):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                counts[record["type"]] = counts.get(record["type"], 0) + 1
    except OSError as exc:
        print(f"error: cannot write {file}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except sa.exc.SQLAlchemyError as exc:
        print(f"error: export failed: {_one_line(exc)}", file=sys.stderr)
        return 1
    finally:
        await store.close()
    counts.pop("export", None)
    summary = ", ".join(f"{count} {name}" for name, count in counts.items()) or "nothing"
    print(f"exported {summary}", file=sys.stderr)
    return 0


async def import_main(database_url: str, file: str, *, analyzer: Analyzer) -> int:
    """``python -m bot import FILE`` (``-``: standard input): the exit status.

    ``analyzer`` tokenizes each imported article for the target's full-text index.
    """
    from bot.store import open_store

    # Blocking reads are fine here: this command does nothing else while it imports.
    try:
        handle = sys.stdin if file == "-" else Path(file).open(encoding="utf-8")  # noqa: SIM115, ASYNC230
    except OSError as exc:
        print(f"error: cannot read {file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        store = await open_store(database_url, analyzer=analyzer)
    except DatabaseUrlError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    importer = Importer(store)
    try:
        await importer.load(read_records(handle))
    except (ImportFileError, UnicodeDecodeError, sa.exc.SQLAlchemyError, OSError) as exc:
        for line in importer.report.lines():
            print(line)
        reason = exc if isinstance(exc, ImportFileError) else _one_line(exc)
        print(
            f"error: {reason}; the records before it were imported (import is idempotent: fix the "
            "file and run it again)",
            file=sys.stderr,
        )
        return 1
    finally:
        await store.close()
        if handle is not sys.stdin:
            handle.close()
    for line in importer.report.lines():
        print(line)
    return 0
