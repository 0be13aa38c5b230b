"""What differs between SQLite and PostgreSQL, in one place.

Query modules ask a ``Dialect`` for the few constructs that are spelled differently on the two
backends (an upsert-capable INSERT, row locks, the elements of a JSON array column) instead of
branching on the backend's name themselves; ``is_unavailable`` tells a database that does not
answer (stopped, restarting, unreachable, or locked by another process) from a query at fault.
"""

from __future__ import annotations

from typing import Any, Literal, cast

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite

Backend = Literal["sqlite", "postgresql"]

# SQLSTATE classes of a server that cannot serve now: 08 connection exception, 53 insufficient
# resources (too many connections, disk full), 57P operator intervention (shutting down,
# restarting: "the database system is starting up").
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P")
# SQLite result codes of a database busy with (or locked by) another connection or process,
# or a file that cannot be read now.
_UNAVAILABLE_SQLITE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_CANTOPEN")


class Dialect:
    """The SQL constructs that differ between the backends, for one backend."""

    def __init__(self, name: str) -> None:
        if name not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database backend: {name}")
        self.name = cast(Backend, name)

    def insert(self, table: sa.Table) -> Any:
        """An INSERT that supports ``on_conflict_do_nothing`` (both backends spell it alike)."""
        return (postgresql.insert if self.name == "postgresql" else sqlite.insert)(table)

    def lock_rows(self, query: sa.Select[Any]) -> sa.Select[Any]:
        """``query`` locking its rows until commit: FOR UPDATE on PostgreSQL; on SQLite a
        write transaction (BEGIN IMMEDIATE) already excludes every other writer."""
        return query.with_for_update() if self.name == "postgresql" else query

    def json_integers(self, column: sa.ColumnElement[Any]) -> tuple[Any, sa.ColumnElement[int]]:
        """A table of the elements of a JSON array of integers stored as text in ``column``
        (to be joined ON TRUE), and its element as a BIGINT."""
        if self.name == "sqlite":
            each = sa.func.json_each(column).table_valued("value").alias("each")
        else:
            each = (
                sa.func.jsonb_array_elements_text(sa.cast(column, postgresql.JSONB))
                .table_valued("value")
                .alias("each")
            )
        return each, sa.cast(each.c.value, sa.BigInteger)


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
