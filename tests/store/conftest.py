"""Backends for the store's contract suite: every test runs on SQLite and on PostgreSQL.

PostgreSQL is the server on 127.0.0.1:5432 (user postgres; override with
WENZHAI_TEST_POSTGRES_URL). Each session migrates one template database; each test gets its own
copy, dropped afterwards. Without the server the PostgreSQL tests skip, or fail when CI is set.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.store import SqlStore, open_store

PG_ADMIN_URL = os.environ.get(
    "WENZHAI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", "postgresql"]


def _admin_params() -> dict[str, object]:
    url = make_url(PG_ADMIN_URL)
    return {
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "password": url.password,
        "database": url.database or "postgres",
        "timeout": 5,
    }


def _database_url(name: str) -> str:
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required in CI and is not usable: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL not available: {reason}")


async def _create_database(name: str, template: str | None = None) -> None:
    conn = await asyncpg.connect(**_admin_params())  # type: ignore[arg-type]
    try:
        suffix = f" TEMPLATE {template}" if template else ""
        await conn.execute(f"CREATE DATABASE {name}{suffix}")
    finally:
        await conn.close()


async def _drop_database(name: str) -> None:
    conn = await asyncpg.connect(**_admin_params())  # type: ignore[arg-type]
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await conn.close()


def unique_name(purpose: str) -> str:
    """A database name no other test run uses."""
    return f"wz_{purpose}_{uuid.uuid4().hex[:12]}"


def _run_in_thread(make: Callable[[], Coroutine[Any, Any, None]]) -> None:
    # Session fixtures may be first requested from inside a test's running event loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(lambda: asyncio.run(make())).result()


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated database that each PostgreSQL test copies."""
    name = unique_name("store_tpl")

    async def build() -> None:
        await _create_database(name)
        store = await open_store(_database_url(name))
        await store.close()

    try:
        _run_in_thread(build)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        _unavailable(f"{type(exc).__name__}: {exc}")
    yield name
    _run_in_thread(lambda: _drop_database(name))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The backend under test."""
    return str(request.param)


@pytest.fixture
async def database_url(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[str]:
    """A migrated, empty database of the backend under test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    template = request.getfixturevalue("pg_template")
    name = unique_name("store")
    await _create_database(name, template)
    try:
        yield _database_url(name)
    finally:
        await _drop_database(name)


@pytest.fixture
async def empty_database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database with no schema at all, of the backend under test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = unique_name("store_empty")
    try:
        await _create_database(name)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        _unavailable(f"{type(exc).__name__}: {exc}")
    try:
        yield _database_url(name)
    finally:
        await _drop_database(name)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """An open store on a fresh database."""
    opened = await open_store(database_url)
    try:
        yield opened
    finally:
        await opened.close()
