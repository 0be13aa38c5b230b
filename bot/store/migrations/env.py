"""Alembic environment: runs on a connection handed in by bot.store, or on -x url=... by hand."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from bot.store.schema import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_from_url(database_url: str) -> None:
    from bot.store.engine import WRITE_OPTION, create_engine

    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            await conn.execution_options(**{WRITE_OPTION: True})
            await conn.run_sync(_run)
            await conn.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run python -m bot migrate")

_connection = config.attributes.get("connection")
if _connection is not None:
    _run(_connection)
else:
    _url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not _url:
        raise SystemExit("give the database with -x url=DATABASE_URL")
    asyncio.run(_run_from_url(_url))
