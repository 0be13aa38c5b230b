"""What every source hands on: raw documents, a sink that takes them, and one report.

A source (files, a web page, a feed's entries; later OPML and the catalogue) reads raw text
and gives each ``Document`` to a ``DocumentSink``. The sink (bot.ingest) summarizes, checks
duplicates and stores; the source never does. Both write to the same ``IngestReport``, so
every source is reported in the same words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Document:
    """Raw text from a source, before any summarizing.

    ``source`` names it in the report (a path or URL); ``origin`` is what the stored articles
    give as their source (a file path, a host name). A ``page_dump`` may hold several
    articles (a newspaper page dumped to text); any other document is one article.
    """

    source: str
    text: str
    origin: str
    title: str = ""
    author: str = ""
    url: str | None = None
    published_at: datetime | None = None
    page_dump: bool = False
    # The feed an entry came from, as read (an http(s) URL or an rsshub:// route).
    feed: str | None = None


def describe_error(exc: BaseException) -> str:
    """The exception as one line for an operator: its type and the first line of its message."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


@dataclass
class IngestReport:
    """What an ingest did, for every kind of source alike.

    ``duplicates`` counts articles already stored (same text, same URL, or nearly the same
    text); ``near_duplicates`` names the near ones with the article they repeat.
    ``refused`` lists sources or items that could not be read or stored, with the reason.
    """

    added: int = 0
    duplicates: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)
    near_duplicates: list[tuple[str, str]] = field(default_factory=list)

    def refuse(self, source: str, reason: str) -> None:
        """Record a source or item that could not be read or stored."""
        self.refused.append((source, reason))

    def merge(self, other: IngestReport) -> None:
        """Add another report's counts and lists to this one."""
        self.added += other.added
        self.duplicates += other.duplicates
        self.refused.extend(other.refused)
        self.near_duplicates.extend(other.near_duplicates)


class DocumentSink(Protocol):
    """Where sources put documents: bot.ingest's pipeline and writer."""

    report: IngestReport

    async def seen(self, url: str) -> bool:
        """Whether an article with this URL is stored (then counted as a duplicate), so a
        source can skip fetching it."""
        ...

    async def take(self, document: Document) -> None:
        """Summarize and store the document; any refusal goes to ``report``, never raised."""
        ...
