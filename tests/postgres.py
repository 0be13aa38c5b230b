"""Throw-away PostgreSQL databases for tests, on the server at 127.0.0.1:5432 (user postgres).

WENZHAI_TEST_POSTGRES_URL overrides the administrative URL. Every database gets a unique name,
so helpers and test runs never share one. Without the server a test skips, or fails when CI is
set: in CI the PostgreSQL half of the suite is not optional.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest
from sqlalchemy.engine import make_url

PG_ADMIN_URL = os.environ.get(
    "WENZHAI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# What a missing or unusable server raises when we connect to it.
UNAVAILABLE_ERRORS = (OSError, asyncpg.PostgresError, TimeoutError)


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


def unique_name(purpose: str) -> str:
    """A database name no other test run uses."""
    return f"wz_{purpose}_{uuid.uuid4().hex[:12]}"


def database_url(name: str) -> str:
    """The postgresql:// URL of database ``name`` on the test server."""
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def unavailable(reason: str) -> None:
    """Skip the test, or fail it when CI is set."""
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required in CI and is not usable: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL not available: {reason}")


async def create_database(name: str, template: str | None = None) -> None:
    """CREATE DATABASE ``name`` (a copy of ``template`` when given)."""
    conn = await asyncpg.connect(**_admin_params())
    try:
        suffix = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{suffix}')
    finally:
        await conn.close()


async def drop_database(name: str) -> None:
    """DROP DATABASE ``name``, closing any connection still open on it."""
    conn = await asyncpg.connect(**_admin_params())
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@asynccontextmanager
async def fresh_database(purpose: str, *, template: str | None = None) -> AsyncIterator[str]:
    """The URL of a new database (dropped afterwards); skips or fails without a server."""
    name = unique_name(purpose)
    try:
        await create_database(name, template)
    except UNAVAILABLE_ERRORS as exc:
        unavailable(f"{type(exc).__name__}: {exc}")
    try:
        yield database_url(name)
    finally:
        await drop_database(name)
