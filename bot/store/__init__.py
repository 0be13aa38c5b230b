"""The store: articles with Chinese full-text search, chats, subscriptions and deliveries.

``open_store(DATABASE_URL, analyzer=...)`` returns the store with its schema migrated to the
newest revision; ``migrate(DATABASE_URL, analyzer=...)`` does only the migration, for
``python -m bot migrate``. The analyzer (how text becomes search tokens) comes from the caller:
the store holds no language processing. ``bot.ingest.open_store`` wires in the pipeline's own.
"""

from __future__ import annotations

import sys

from bot.store.engine import DatabaseUrlError, create_engine
from bot.store.fulltext import Analyzer
from bot.store.migrator import upgrade
from bot.store.sql_store import SqlStore

__all__ = ["Analyzer", "DatabaseUrlError", "SqlStore", "migrate", "open_store"]


async def open_store(database_url: str, *, analyzer: Analyzer) -> SqlStore:
    """Connect to DATABASE_URL, apply pending migrations and return the store."""
    engine = create_engine(database_url)
    try:
        await upgrade(engine, analyzer=analyzer)
    except BaseException:
        await engine.dispose()
        raise
    return SqlStore(engine, analyzer=analyzer)


async def migrate(database_url: str, *, analyzer: Analyzer) -> int:
    """Create or upgrade the schema, say what was done; the exit status for the command line."""
    try:
        engine = create_engine(database_url)
    except DatabaseUrlError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        outcome = await upgrade(engine, analyzer=analyzer)
    except Exception as exc:  # any database failure becomes one line, never a traceback
        print(f"error: migration failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    if outcome.changed:
        print(f"database upgraded from {outcome.before or 'empty'} to {outcome.after}")
    else:
        print(f"database already at the newest revision ({outcome.after})")
    return 0
