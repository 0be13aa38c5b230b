"""Topic tags: which of a given list of topics an article belongs to.

A topic is marked by its words. An article carries a topic when a topic word is in its title or
among its keywords, or when topic words recur in its body (at least ``BODY_HITS`` times, more for
long articles); of those, the strongest ``MAX_TOPICS`` that score at least ``RELATIVE_SCORE`` of
the strongest one are kept, so a passing mention does not tag a long article. Matching is on
whole strings, longest word first, so 志愿服务队 counts once.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from summaries.model import Article, Topic

BODY_HITS = 3
# A weaker topic is kept only when it scores this share of the strongest one; at most MAX_TOPICS.
RELATIVE_SCORE = 0.25
MAX_TOPICS = 3
# Long articles need proportionally more hits: one more per this many characters.
CHARS_PER_EXTRA_HIT = 1500
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


def _text_field(entry: Mapping[str, object], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: '{key}' must be a non-empty string")
    return value.strip()


def parse_topics(entries: Iterable[Mapping[str, object]]) -> tuple[Topic, ...]:
    """Topics from ``[[topic]]`` tables (slug, zh, en, words); ValueError on a bad entry."""
    topics: list[Topic] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, start=1):
        where = f"topic #{n}"
        if not isinstance(entry, Mapping):
            raise ValueError(f"{where}: expected a table, got {type(entry).__name__}")
        slug = _text_field(entry, "slug", where)
        where = f"topic #{n} ({slug})"
        if not _SLUG.match(slug):
            raise ValueError(f"{where}: slug must be 1-32 of a-z, 0-9, '_' or '-'")
        if slug in seen:
            raise ValueError(f"{where}: duplicate slug")
        words = entry.get("words")
        if (
            not isinstance(words, list | tuple)
            or not words
            or not all(isinstance(w, str) and w.strip() for w in words)
        ):
            raise ValueError(f"{where}: 'words' must be a non-empty list of non-empty strings")
        seen.add(slug)
        topics.append(
            Topic(
                slug=slug,
                name_zh=_text_field(entry, "zh", where),
                name_en=_text_field(entry, "en", where),
                words=tuple(dict.fromkeys(w.strip() for w in words)),
            )
        )
    return tuple(topics)


def _matcher(words: Sequence[str]) -> re.Pattern[str]:
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return re.compile("|".join(re.escape(w) for w in ordered), re.IGNORECASE)


class TopicTagger:
    """Tags articles with a fixed list of topics, each topic's words compiled once."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        self.topics = tuple(topics)
        self._matchers = tuple(_matcher(topic.words) for topic in self.topics)

    def tag(self, article: Article, *, keywords: Sequence[str] = ()) -> tuple[str, ...]:
        """Slugs of the topics the article belongs to, strongest first (ties in list order)."""
        if not self.topics:
            return ()
        heads = " ".join((article.title, article.subtitle, *article.headings))
        has_heads = bool(heads.strip())
        body = article.body
        needed = BODY_HITS + len(body) // CHARS_PER_EXTRA_HIT
        keyword_text = " ".join(keywords)
        scored: list[tuple[int, int, str]] = []
        for rank, (topic, matcher) in enumerate(zip(self.topics, self._matchers, strict=True)):
            in_heads = len(matcher.findall(heads)) if has_heads else 0
            in_keywords = len(matcher.findall(keyword_text)) if keyword_text else 0
            in_body = len(matcher.findall(body))
            if in_heads or in_keywords or in_body >= needed:
                scored.append((-(3 * in_heads + 2 * in_keywords + in_body), rank, topic.slug))
        scored.sort()
        if not scored:
            return ()
        floor = RELATIVE_SCORE * -scored[0][0]
        return tuple(slug for score, _, slug in scored[:MAX_TOPICS] if -score >= floor)


def tag_topics(
    article: Article, topics: Sequence[Topic], *, keywords: Sequence[str] = ()
) -> tuple[str, ...]:
    """Slugs of the topics the article belongs to, strongest first (ties in list order).

    Compiles the topics' words on every call: to tag many articles, keep a ``TopicTagger``.
    """
    return TopicTagger(topics).tag(article, keywords=keywords)


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
