"""Engines from DATABASE_URL: the async driver, SQLite pragmas and write transactions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

# How long a SQLite writer waits for another process's write to finish before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000

# Execution option that makes a SQLite transaction start with BEGIN IMMEDIATE.
WRITE_OPTION = "wenzhai_write"


class DatabaseUrlError(ValueError):
    """DATABASE_URL names a database this app cannot use."""


def async_url(database_url: str) -> URL:
    """The URL with its async driver: sqlite -> aiosqlite, postgresql -> asyncpg."""
    try:
        url = make_url(database_url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with the URL inside
        raise DatabaseUrlError("DATABASE_URL is not a valid database URL") from exc
    backend = url.get_backend_name()
    if backend == "sqlite":
        # An in-memory database would vanish with the process (and differ per pooled
        # connection): everything ingested into it would be lost without a word.
        if not url.database or url.database == ":memory:":
            raise DatabaseUrlError(
                "DATABASE_URL sqlite:/// needs a file path (sqlite:///data/x.db)"
            )
        return url.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+asyncpg")
    raise DatabaseUrlError(f"DATABASE_URL must be sqlite:/// or postgresql://, not {backend}://")


def _ensure_sqlite_directory(url: URL) -> None:
    database = url.database or ""
    if not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for DATABASE_URL; SQLite gets WAL, a busy timeout and foreign keys."""
    url = async_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    _ensure_sqlite_directory(url)
    engine = create_async_engine(url, **kwargs)
    _install_sqlite_hooks(engine)
    return engine


def _install_sqlite_hooks(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN, rather than the sqlite3 module's
        # implicit and partial transaction handling.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the write lock up front (BEGIN IMMEDIATE): a deferred transaction that
        # read first and writes later fails at once with "database is locked" when another
        # process wrote in between, while BEGIN IMMEDIATE waits for busy_timeout instead.
        if connection.get_execution_options().get(WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")
