"""Plain data types shared by the summaries package and its callers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ArticleKind = Literal["article", "brief", "photo"]


@dataclass(frozen=True)
class Section:
    """A run of paragraphs under one heading (the heading is empty before the first one)."""

    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Article:
    """One article recovered from a page dump or handed in as plain text."""

    title: str
    paragraphs: tuple[str, ...]
    subtitle: str = ""
    authors: tuple[str, ...] = ()
    kind: ArticleKind = "article"
    sections: tuple[Section, ...] = field(default=())

    @property
    def body(self) -> str:
        """The clean body: paragraphs joined by newlines (no title, byline or headings)."""
        return "\n".join(self.paragraphs)

    @property
    def headings(self) -> tuple[str, ...]:
        """Section headings in order, without the empty lead-in heading."""
        return tuple(s.heading for s in self.sections if s.heading)


@dataclass(frozen=True)
class Topic:
    """A subscribable topic: a stable slug, names in two languages and the words that mark it."""

    slug: str
    name_zh: str
    name_en: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Summary:
    """What the summarizer says about one article."""

    digest: tuple[str, ...]
    keywords: tuple[str, ...]
    topics: tuple[str, ...]
