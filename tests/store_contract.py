"""The store contract fixture, shared by every package that touches the store.

``store`` (and ``database_url``, ``backend``) run each test that asks for it on SQLite and on
PostgreSQL, as APScheduler's datastore tests do. PostgreSQL is the test server of
tests.postgres: each session migrates one template database and each test gets its own copy,
dropped afterwards. Without the server the PostgreSQL half skips, or fails when CI is set.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bot.ingest import open_store
from bot.store import SqlStore
from tests.postgres import (
    UNAVAILABLE_ERRORS,
    create_database,
    drop_database,
    fresh_database,
    unavailable,
    unique_name,
)
from tests.postgres import database_url as pg_database_url

BACKENDS = ["sqlite", "postgresql"]


def _run_in_thread(make: Callable[[], Coroutine[Any, Any, None]]) -> None:
    # Session fixtures may be first requested from inside a test's running event loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(lambda: asyncio.run(make())).result()


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated database that each PostgreSQL test copies."""
    name = unique_name("store_tpl")

    async def build() -> None:
        await create_database(name)
        store = await open_store(pg_database_url(name))
        await store.close()

    try:
        _run_in_thread(build)
    except UNAVAILABLE_ERRORS as exc:
        unavailable(f"{type(exc).__name__}: {exc}")
    yield name
    _run_in_thread(lambda: drop_database(name))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The backend under test."""
    return str(request.param)


@pytest.fixture
async def contract_database_url(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[str]:
    """A migrated, empty database of the backend under test (``store`` opens it).

    Named apart from ``database_url`` so that a package whose conftest gives ``database_url``
    another meaning (the bot's seeded database) still gets empty contract stores.
    """
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    template = request.getfixturevalue("pg_template")
    async with fresh_database("store", template=template) as url:
        yield url


@pytest.fixture
def database_url(contract_database_url: str) -> str:
    """The URL of the store under test."""
    return contract_database_url


@pytest.fixture
async def empty_database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database with no schema at all, of the backend under test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    async with fresh_database("store_empty") as url:
        yield url


@pytest.fixture
async def store(contract_database_url: str) -> AsyncIterator[SqlStore]:
    """An open store on a fresh database of the backend under test."""
    opened = await open_store(contract_database_url)
    try:
        yield opened
    finally:
        await opened.close()
