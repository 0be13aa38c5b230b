"""A page fetched but not yet extracted: handed on as bytes, so that extracting its article
(trafilatura, CPU work) runs where the document is prepared, in the same worker call."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.sources.documents import Document
from bot.sources.parse import extract_page


@dataclass(frozen=True)
class FetchedPage:
    """A page's body as fetched, and what is known of its document before extraction: source,
    origin, URL, feed, and a feed entry's title, author and date, which win over the page's."""

    body: bytes
    content_type: str
    fetched_url: str  # where the body came from, after redirects (relative links, the charset)
    known: Document  # its text is empty until ``document`` extracts it

    @property
    def source(self) -> str:
        """What names the page in the report: its document's source."""
        return self.known.source

    def document(self) -> Document:
        """The page's article as a document; SourceError (UnreadableContent) when there is
        none."""
        page = extract_page(self.body, self.content_type, self.fetched_url)
        known = self.known
        return replace(
            known,
            text=page.text,
            title=known.title or page.title,
            author=known.author or page.author,
            published_at=known.published_at or page.published_at,
        )
