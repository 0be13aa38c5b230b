"""Whether the database answers: one trivial query, for the health check."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from bot.store.sql_store import SqlStore


async def database_problem(store: object, *, within: float = 3.0) -> str | None:
    """None when the store's database answers ``SELECT 1`` within ``within`` seconds, else
    one short line saying why not (never a URL, so never a password)."""
    if not isinstance(store, SqlStore):
        return "the store is not open"
    try:
        async with asyncio.timeout(within), store.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
    except TimeoutError:
        return f"database did not answer within {within:g} s"
    except Exception as exc:  # any driver error means "not ready"
        return f"database unreachable ({type(exc).__name__})"
    return None
