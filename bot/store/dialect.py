"""What differs between SQLite and PostgreSQL, in one place.

Query modules call these with the store's ``backend`` name ("sqlite" or "postgresql") instead
of branching on it themselves. Ranked search (bm25 against ts_rank_cd) is the one exception:
two different algorithms, kept side by side in bot.store.search. ``is_unavailable`` tells a
database that does not answer (stopped, restarting, unreachable, or locked by another process)
from a query at fault.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite

from bot.store import fulltext
from bot.store.schema import UtcDateTime, postgresql_articles_fts, sqlite_articles_fts

# SQLSTATE classes of a server that cannot serve now: 08 connection exception, 53 insufficient
# resources (too many connections, disk full), 57P operator intervention (shutting down,
# restarting: "the database system is starting up").
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P")
# SQLite result codes of a database busy with (or locked by) another connection or process,
# or a file that cannot be read now.
_UNAVAILABLE_SQLITE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_CANTOPEN")


# Ids per IN list: bound parameters per statement stay far below SQLite's and asyncpg's limits
# (32,766).
ID_CHUNK = 2000


def id_chunks(values: Sequence[int]) -> Iterator[list[int]]:
    """``values`` in lists of at most ID_CHUNK, for IN lists of any length."""
    for start in range(0, len(values), ID_CHUNK):
        yield list(values[start : start + ID_CHUNK])


def _is_sqlite(backend: str) -> bool:
    return backend == "sqlite"


def advance_sequence(backend: str, table: str, column: str) -> sa.TextClause | None:
    """The statement that moves ``table``'s id sequence past its rows (None: SQLite has none
    to move, its rowids follow the largest id by themselves)."""
    if _is_sqlite(backend):
        return None
    return sa.text(
        f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
        f"COALESCE(MAX({column}), 1), MAX({column}) IS NOT NULL) FROM {table}"
    )


def insert(backend: str, table: sa.Table) -> Any:
    """An INSERT that supports ``on_conflict_do_nothing`` on either backend."""
    return (sqlite.insert if _is_sqlite(backend) else postgresql.insert)(table)


def json_array_elements(backend: str, column: sa.ColumnElement[Any]) -> Any:
    """The elements of a JSON array column as a table-valued function with a ``value`` column."""
    if _is_sqlite(backend):
        return sa.func.json_each(column).table_valued("value").alias("each")
    elements = sa.func.jsonb_array_elements_text(sa.cast(column, postgresql.JSONB))
    return elements.table_valued("value").alias("each")


def index_row(
    backend: str,
    article_id: int,
    title_tokens: Sequence[str],
    body_tokens: Sequence[str],
    *,
    sort_at: datetime,
) -> Any:
    """The INSERT of one article's full-text index row, from its tokens."""
    if _is_sqlite(backend):
        return sqlite_articles_fts.insert().values(
            rowid=article_id,
            title=fulltext.document_text(title_tokens),
            body=fulltext.document_text(body_tokens),
        )
    document = fulltext.tsvector_text(title_tokens, body_tokens)
    return postgresql_articles_fts.insert().values(
        article_id=article_id,
        document=sa.cast(sa.literal(document, sa.Text), postgresql.TSVECTOR),
        sort_at=sort_at,
    )


def index_rows(
    backend: str,
    articles: Sequence[tuple[int, Sequence[str], Sequence[str], datetime]],
) -> tuple[Any, list[dict[str, Any]]]:
    """One statement and its parameter rows (for executemany) that insert the full-text index
    rows of ``articles``: (id, title tokens, body tokens, sort_at) each."""
    if _is_sqlite(backend):
        statement = sa.text("INSERT INTO articles_fts (rowid, title, body) VALUES (:id, :t, :b)")
        return statement, [
            {"id": i, "t": fulltext.document_text(title), "b": fulltext.document_text(body)}
            for i, title, body, _ in articles
        ]
    statement = sa.text(
        "INSERT INTO articles_fts (article_id, document, sort_at) "
        "VALUES (:id, CAST(:doc AS tsvector), :sort_at)"
    ).bindparams(sa.bindparam("sort_at", type_=UtcDateTime))
    return statement, [
        {"id": i, "doc": fulltext.tsvector_text(title, body), "sort_at": at}
        for i, title, body, at in articles
    ]


def all_tokens_query(backend: str, tokens: Sequence[str]) -> str:
    """Full-text query text that requires every token (FTS5 query or tsquery input)."""
    return fulltext.fts5_query(tokens) if _is_sqlite(backend) else fulltext.tsquery_text(tokens)


def any_group_query(backend: str, groups: Sequence[Sequence[str]]) -> str:
    """Full-text query text that matches when all tokens of any one group occur."""
    if _is_sqlite(backend):
        return fulltext.fts5_any_query(groups)
    return fulltext.tsquery_any_text(groups)


def match_ids(backend: str, query: str) -> sa.Select[Any]:
    """Ids of articles whose index matches query text from the two functions above."""
    if _is_sqlite(backend):
        fts = sqlite_articles_fts
        return sa.select(fts.c.rowid).where(sa.literal_column("articles_fts").op("MATCH")(query))
    pg = postgresql_articles_fts
    tsquery = sa.cast(sa.literal(query, sa.Text), postgresql.TSQUERY)
    return sa.select(pg.c.article_id).where(pg.c.document.op("@@")(tsquery))


def lock_rows(backend: str, query: sa.Select[Any]) -> sa.Select[Any]:
    """``query`` locking its rows until commit: FOR UPDATE on PostgreSQL; on SQLite a write
    transaction (BEGIN IMMEDIATE, see bot.store.engine) already excludes every other writer."""
    return query if _is_sqlite(backend) else query.with_for_update()


def is_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database is not answering now, rather than refusing a query:
    the same call may succeed once it answers again."""
    if isinstance(error, OSError | TimeoutError | sa_exc.TimeoutError):
        return True  # connection refused or reset; pool or connect timeouts
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True  # the connection died under the statement (server stopped, network)
    original = error.orig
    sqlite_code = getattr(original, "sqlite_errorname", None)
    if sqlite_code is not None:
        return str(sqlite_code).startswith(_UNAVAILABLE_SQLITE)
    sqlstate = getattr(original, "sqlstate", None) or getattr(
        getattr(original, "__cause__", None), "sqlstate", None
    )
    if sqlstate:
        return str(sqlstate).startswith(_UNAVAILABLE_SQLSTATES)
    # A driver error without a code on a closed connection ("connection is closed").
    return isinstance(error, sa_exc.InterfaceError)
