"""Ingest tests run on SQLite and PostgreSQL through the store's contract fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from summaries.model import Topic
from summaries.topics import load_topics

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "seeds" / "000_a9c33694dae72277.txt"


def make_settings(url: str, **changes: Any) -> Settings:
    """Settings for ingest tests: no .env file, the shipped topics."""
    values: dict[str, Any] = {
        "database_url": url,
        "topics_file": REPO / "seeds" / "topics.toml",
        "catalogue": "none",
        **changes,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def topics() -> tuple[Topic, ...]:
    """The topics that ship with the bot."""
    return load_topics(REPO / "seeds" / "topics.toml")


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings on the database under test."""
    return make_settings(database_url)
