"""Apply the Alembic migrations that ship inside this package to a live database."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.engine import WRITE_OPTION
from bot.store.fulltext import Analyzer

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Any fixed number: PostgreSQL processes that start together migrate one after the other.
_PG_MIGRATION_LOCK = 0x77656E7A


@dataclass(frozen=True)
class MigrationOutcome:
    """The schema revision before and after an upgrade."""

    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        """Whether any migration ran."""
        return self.before != self.after


def alembic_config() -> Config:
    """Alembic configuration pointing at the package's migrations, wherever it is installed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    """The newest revision this code knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection, target: str, analyzer: Analyzer | None) -> MigrationOutcome:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
    before = _current(connection)
    config = alembic_config()
    config.attributes["connection"] = connection
    # Revisions that index stored articles (0002) tokenize with the caller's analyzer.
    config.attributes["analyzer"] = analyzer
    command.upgrade(config, target)
    return MigrationOutcome(before=before, after=_current(connection))


async def upgrade(
    engine: AsyncEngine, target: str = "head", *, analyzer: Analyzer | None = None
) -> MigrationOutcome:
    """Bring the schema to ``target`` (the newest by default) in one transaction.

    ``analyzer`` is needed only to index articles stored before revision 0002.
    """
    alembic_log = logging.getLogger("alembic")
    if alembic_log.level == logging.NOTSET:
        # Alembic narrates every plugin and step at INFO; the caller reports the outcome.
        alembic_log.setLevel(logging.WARNING)
    async with engine.connect() as conn:
        await conn.execution_options(**{WRITE_OPTION: True})
        async with conn.begin():
            return await conn.run_sync(_upgrade, target, analyzer)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The schema revision of the database (None for an empty one)."""
    async with engine.connect() as conn:
        return await conn.run_sync(_current)
