"""Fixtures for source tests: a loopback HTTP server, a real SQLite store, settings, topics."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import Settings
from summaries.model import Topic
from summaries.topics import parse_topics
from tests.sources.pages import REPO
from tests.sources.server import LocalServer, running_server


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """A real HTTP server on 127.0.0.1."""
    with running_server() as local:
        yield local


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for tests: loopback allowed, short timeout, small body limit, no .env file."""
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{(tmp_path / 'wenzhai.db').as_posix()}",
        "allow_private_sources": True,
        "fetch_timeout_seconds": 1.0,
        "fetch_max_bytes": 256 * 1024,
        "fetch_per_host_concurrency": 2,
        "feed_poll_minutes": 30,
        "catalogue": "none",
        "feed_host_spacing_seconds": 0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Test settings (see make_settings)."""
    return make_settings(tmp_path)


@pytest.fixture(scope="session")
def topics() -> tuple[Topic, ...]:
    """The topics that ship with the bot."""
    with (REPO / "seeds" / "topics.toml").open("rb") as handle:
        return parse_topics(tomllib.load(handle)["topic"])


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """An AsyncClient like the production one (no redirects, no proxies from the env)."""
    async with httpx.AsyncClient(follow_redirects=False, trust_env=False) as http:
        yield http


class NoSleep:
    """An injected sleep that records the delays asked for and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def no_sleep() -> NoSleep:
    """A sleep that does not wait."""
    return NoSleep()
