"""What a fetched body holds: a feed's entries (feedparser) or a page's article (trafilatura)."""

from __future__ import annotations

import re
import xml.sax as xml_sax
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser
import lxml.html
import trafilatura
from lxml import etree

from bot.sources.charset import decode_body, utf8_xml
from bot.sources.errors import UnreadableContent, excerpt
from bot.sources.newest import (
    DEFAULT_MAX_ENTRIES,
    count_entries,
    newest_first,
    newest_only,
    plausible,
)

# A page with less main text than this is a listing, a login wall or an error page.
MIN_PAGE_CHARS = 30
# An entry whose own content has this many characters of text is taken as the whole article;
# shorter ones are teasers, and their link is fetched instead.
FULL_CONTENT_CHARS = 200

_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
_XML_TYPES = ("application/xml", "text/xml")
# The first element of a document, after the XML declaration, doctype, comments and BOM.
_ROOT = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*|<\?[^>]*\?>\s*)*"
    rb"<([A-Za-z][\w:.-]*)",
    re.DOTALL,
)
_FEED_ROOTS = frozenset({b"rss", b"feed", b"rdf:rdf", b"rdf"})
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section"}
)


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed: its link, title, date and, when it holds the article, its text."""

    link: str | None
    title: str
    text: str
    published_at: datetime | None
    author: str = ""

    @property
    def has_article(self) -> bool:
        """The entry's own text is the article (no need to fetch its link)."""
        return len(self.text) >= FULL_CONTENT_CHARS or (not self.link and bool(self.text))


@dataclass(frozen=True)
class PageArticle:
    """The main text of a web page with its metadata."""

    title: str
    text: str
    published_at: datetime | None
    author: str = ""


def looks_like_feed(body: bytes, content_type: str) -> bool:
    """A feed by its content type, or an XML body whose root is rss, feed or rdf:RDF."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media in _FEED_TYPES:
        return True
    match = _ROOT.match(body[:8192])
    if match is None:
        return False
    root = match.group(1).lower()
    if root in _FEED_ROOTS:
        return True
    # An XML type with an unknown root is still handed to feedparser, which says why it fails.
    return media in _XML_TYPES and root != b"html"


def _html_text(fragment: str) -> str:
    """Plain text of an HTML fragment, one line per block element."""
    if "<" not in fragment:
        return fragment.strip()
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return fragment.strip()
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
    lines = (line.strip() for line in root.text_content().splitlines())
    return "\n".join(line for line in lines if line)


def _entry_time(entry: Any, now: datetime) -> datetime | None:
    # feedparser gives a time tuple it never checked: year -1 or 0, month 0, year 9999.
    for key in ("published_parsed", "updated_parsed"):
        # dict.get: FeedParserDict.get maps a missing updated_parsed to published_parsed.
        value = dict.get(entry, key)
        if not value:
            continue
        try:
            year, month, day, hour, minute, second = value[:6]
            when = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except (TypeError, ValueError, OverflowError):
            continue
        if plausible(when, now):
            return when
    return None


def _timestamp(entry: FeedEntry) -> float | None:
    return entry.published_at.timestamp() if entry.published_at else None


def _entry_text(entry: Any) -> str:
    # Full content first (Atom content, RSS content:encoded), else the summary/description.
    best = ""
    for content in entry.get("content") or ():
        text = _html_text(content.get("value", ""))
        if len(text) > len(best):
            best = text
    summary = _html_text(entry.get("summary", ""))
    return best if len(best) >= len(summary) else summary


def parse_feed(
    body: bytes,
    content_type: str,
    url: str | None = None,
    *,
    max_entries: int = DEFAULT_MAX_ENTRIES,
    now: datetime | None = None,
) -> list[FeedEntry]:
    """The newest ``max_entries`` entries of an RSS 0.9x/1.0/2.0 or Atom feed, newest first.

    Entries without a usable date (none, unparsable, before 1990 or more than a day ahead of
    ``now``; their ``published_at`` is None) come after the dated ones, in document order.
    Relative entry links (``/news/1.html``) are resolved against the feed's ``url``.
    UnreadableContent when the body is not a feed.
    """
    now = now or datetime.now(UTC)
    xml = utf8_xml(body, content_type)
    if count_entries(xml) > max_entries:
        # feedparser takes ~0.1 ms an entry: a 100,000-entry feed is cut down before it.
        xml = newest_only(xml, max_entries)
    media = (content_type or "text/xml").split(";", 1)[0].strip()
    headers = {"content-type": f"{media}; charset=utf-8"}
    if url:
        # feedparser takes the base for relative links from Content-Location.
        headers["content-location"] = url
    parsed = feedparser.parse(xml, response_headers=headers)
    error = parsed.get("bozo_exception") if parsed.get("bozo") else None
    entries = [
        FeedEntry(
            link=(entry.get("link") or "").strip() or None,
            title=_html_text(entry.get("title", "")),
            text=_entry_text(entry),
            published_at=_entry_time(entry, now),
            author=entry.get("author", ""),
        )
        for entry in parsed.entries
    ]
    usable = [entry for entry in entries if entry.link or entry.text]
    # feedparser salvages entries from slightly broken XML (a stray &); those are kept. A body
    # that yields nothing usable is reported with the parser's reason.
    if not usable and isinstance(error, xml_sax.SAXParseException):
        raise UnreadableContent(
            f"invalid XML: {excerpt(error.getMessage())} "
            f"(line {error.getLineNumber()}, column {error.getColumnNumber()})"
        )
    if not usable and not parsed.get("version"):
        reason = f": {excerpt(str(error))}" if error else ""
        raise UnreadableContent(f"not an RSS or Atom feed{reason}")
    return newest_first(usable, key=_timestamp, keep=max_entries)


def _page_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _extracted(html: str, url: str, *, fast: bool) -> tuple[Any, str, list[str]] | None:
    """trafilatura's document, title and text lines, or None when it holds no article text."""
    document = trafilatura.bare_extraction(
        html, url=url, fast=fast, with_metadata=True, include_comments=False, include_tables=False
    )
    text = (getattr(document, "text", None) or "").strip() if document is not None else ""
    if not text:
        return None
    title = (getattr(document, "title", None) or "").strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # trafilatura keeps the page's headline as the first line of the text.
    if lines and title and lines[0] == title:
        lines = lines[1:]
    if sum(len(line) for line in lines) < MIN_PAGE_CHARS:
        return None
    return document, title, lines


def extract_page(body: bytes, content_type: str, url: str) -> PageArticle:
    """The article on a web page: main text, title, date and author, by trafilatura.

    trafilatura's own extractor first, without its fallbacks (readability, jusText): a fifth
    faster, and the same text on news pages where it finds the article; only when it finds
    none are the fallbacks tried.
    """
    html = decode_body(body, content_type)
    found = _extracted(html, url, fast=True) or _extracted(html, url, fast=False)
    if found is None:
        raise UnreadableContent("no article text found on the page")
    document, title, lines = found
    return PageArticle(
        title=title,
        text="\n".join(lines),
        published_at=_page_time(getattr(document, "date", None)),
        author=(getattr(document, "author", None) or "").strip(),
    )
