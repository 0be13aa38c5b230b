"""Service tests that touch the store run on SQLite and PostgreSQL (the store's fixtures)."""

from tests.store.conftest import backend, database_url, pg_template, store  # noqa: F401
