"""The topic list: a TOML file of [[topic]] tables (slug, zh, en, words), e.g. seeds/topics.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

from summaries import parse_topics
from summaries.model import Topic


class TopicsFileError(ValueError):
    """The topics file is missing or not a valid topic list; the message says which and why."""


def load_topics(path: Path | str) -> tuple[Topic, ...]:
    """The topics in ``path``; TopicsFileError with a one-line reason when it cannot be used."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TopicsFileError(f"topics file {path}: not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise TopicsFileError(f"topics file {path}: cannot be read ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise TopicsFileError(f"topics file {path}: not valid TOML ({exc})") from exc
    entries = data.get("topic", [])
    if not isinstance(entries, list):
        raise TopicsFileError(f"topics file {path}: 'topic' must be an array of tables")
    try:
        return parse_topics(entries)
    except ValueError as exc:
        raise TopicsFileError(f"topics file {path}: {exc}") from exc
