"""What differs between SQLite and PostgreSQL, in one place.

Query modules call these with the store's ``backend`` name ("sqlite" or "postgresql") instead
of branching on it themselves; ``is_unavailable`` tells a database that does not answer
(stopped, restarting, unreachable, or locked by another process) from a query at fault.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite

# SQLSTATE classes of a server that cannot serve now: 08 connection exception, 53 insufficient
# resources (too many connections, disk full), 57P operator intervention (shutting down,
# restarting: "the database system is starting up").
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P")
# SQLite result codes of a database busy with (or locked by) another connection or process,
# or a file that cannot be read now.
_UNAVAILABLE_SQLITE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_CANTOPEN")


def _is_sqlite(backend: str) -> bool:
    return backend == "sqlite"


def insert(backend: str, table: sa.Table) -> Any:
    """An INSERT that supports ``on_conflict_do_nothing`` on either backend."""
    return (sqlite.insert if _is_sqlite(backend) else postgresql.insert)(table)


def json_array_elements(backend: str, column: sa.ColumnElement[Any]) -> Any:
    """The elements of a JSON array column as a table-valued function with a ``value`` column."""
    if _is_sqlite(backend):
        return sa.func.json_each(column).table_valued("value").alias("each")
    elements = sa.func.jsonb_array_elements_text(sa.cast(column, postgresql.JSONB))
    return elements.table_valued("value").alias("each")


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
