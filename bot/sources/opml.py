"""OPML files in and out: the feeds of a reader's export, and a chat's or the operator's feeds.

Reading follows what readers and bots actually write: any ``outline`` with an ``xmlUrl`` (any
capitalisation) is a feed whatever its ``type``; outlines without one are folders, at any depth,
and a feed's nearest folder (else its OPML 2.0 ``category``) becomes its category: one of the
news categories when the name matches one, else a free label. OPML 1.0 and 2.0 alike.

Parsing is safe: at most ``MAX_OPML_BYTES`` and ``MAX_OUTLINES``, counted before parsing; no
DTD, no entities, no external references (defusedxml refuses them). A file refused for any of
these is refused whole, with one sentence; single outlines with a bad address (``file:``,
``javascript:``) are refused one by one, with their reason, and the rest imported.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

import defusedxml.ElementTree as SafeTree
from defusedxml import DefusedXmlException

from bot.sources.catalogue import FREE_LABELS, category_names
from bot.sources.errors import excerpt, size_text
from bot.sources.rsshub import instance_url, is_route
from summaries.taxonomy import category_by_name

MAX_OPML_BYTES = 2 * 1024 * 1024
MAX_OUTLINES = 2000
MAX_DEPTH = 16
MAX_LABEL_CHARS = 40
_FEED_SCHEMES = ("http", "https")


class OpmlError(ValueError):
    """The file cannot be imported at all; the message is one sentence saying why."""


@dataclass(frozen=True)
class OpmlFeed:
    """One feed of an OPML file: its address, title, site and category (or free label)."""

    url: str
    title: str = ""
    site_url: str | None = None
    category: str | None = None


@dataclass
class OpmlDocument:
    """What a file holds: its title, the feeds, and the outlines refused (address, reason)."""

    title: str = ""
    feeds: list[OpmlFeed] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def category_for(folder: str | None) -> str | None:
    """A folder name as a category slug (时政, Politics, politics ...), else a free label."""
    if not folder or not folder.strip():
        return None
    name = " ".join(folder.split())
    found = category_by_name(name)
    if found is not None:
        return found.slug
    for label, names in FREE_LABELS.items():
        if name in (label, *names):
            return label
    return name[:MAX_LABEL_CHARS]


def address_problem(url: str) -> str | None:
    """Why an outline's address is not a feed this bot reads, or None."""
    if not url:
        return "the outline has an empty xmlUrl"
    if is_route(url):
        return None
    scheme = urlsplit(url).scheme.lower() if ":" in url else ""
    if scheme not in _FEED_SCHEMES:
        shown = f"{excerpt(scheme, 20)}:" if scheme else "no scheme"
        return f"only http(s) and rsshub:// feeds are imported, not {shown}"
    if not urlsplit(url).hostname:
        return "the address has no host"
    return None


def _attributes(element: ElementTree.Element) -> dict[str, str]:
    return {name.lower(): (value or "").strip() for name, value in element.attrib.items()}


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _check_size(data: bytes) -> None:
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(
            f"the file is {size_text(len(data))}; an OPML file may hold at most "
            f"{size_text(MAX_OPML_BYTES)}"
        )
    outlines = data.lower().count(b"<outline")
    if outlines > MAX_OUTLINES:
        raise OpmlError(f"the file has {outlines} outlines; at most {MAX_OUTLINES} are read")


def _parse(data: bytes) -> ElementTree.Element:
    try:
        root = SafeTree.fromstring(data, forbid_dtd=True, forbid_entities=True)
    except DefusedXmlException:
        raise OpmlError(
            "the file declares a DTD or XML entities, which are refused for safety"
        ) from None
    except ElementTree.ParseError as exc:
        raise OpmlError(f"the file is not valid XML ({excerpt(str(exc), 60)})") from None
    if _local(root.tag) != "opml":
        root_name = excerpt(_local(root.tag), 20)
        raise OpmlError(f"the file is XML but not OPML (its root is <{root_name}>)")
    return root


def read_opml(data: bytes) -> OpmlDocument:
    """The feeds of an OPML document; OpmlError when the file cannot be imported at all."""
    _check_size(data)
    root = _parse(data)
    document = OpmlDocument()
    children = list(root)
    head = next((child for child in children if _local(child.tag) == "head"), None)
    if head is not None:
        title = next((c for c in head if _local(c.tag) == "title"), None)
        document.title = (title.text or "").strip() if title is not None else ""
    body = next((child for child in children if _local(child.tag) == "body"), None)
    if body is None:
        raise OpmlError("the file is OPML without a <body>: there is nothing to import")
    seen: set[str] = set()
    _walk(body, None, 0, document, seen)
    if not document.feeds and not document.refused:
        raise OpmlError("the file holds no feeds (no outline with an xmlUrl)")
    return document


def _walk(
    parent: ElementTree.Element,
    folder: str | None,
    depth: int,
    document: OpmlDocument,
    seen: set[str],
) -> None:
    if depth > MAX_DEPTH:
        raise OpmlError(f"folders are nested more than {MAX_DEPTH} deep")
    for element in parent:
        if _local(element.tag) != "outline":
            continue
        attributes = _attributes(element)
        name = attributes.get("title") or attributes.get("text") or ""
        if "xmlurl" not in attributes:
            _walk(element, name or folder, depth + 1, document, seen)
            continue
        url = attributes["xmlurl"]
        problem = address_problem(url)
        if problem is not None:
            document.refused.append((excerpt(url or name or "(no address)", 120), problem))
            continue
        if url in seen:
            continue
        seen.add(url)
        declared = attributes.get("category", "").split(",")[0].strip().strip("/")
        category = category_for(folder) or category_for(declared.rsplit("/", 1)[-1])
        site = attributes.get("htmlurl") or None
        if site is not None and urlsplit(site).scheme.lower() not in _FEED_SCHEMES:
            site = None
        document.feeds.append(OpmlFeed(url, name, site, category))


def folder_name(category: str) -> str:
    """The folder a category is exported as: its Chinese name (a free label as it is)."""
    return category_names(category)[0]


def write_opml(
    feeds: Sequence[OpmlFeed],
    *,
    title: str,
    rsshub_base: str | None = None,
    now: datetime | None = None,
) -> bytes:
    """OPML 2.0: one folder per category (feeds without one at the top), htmlUrl when known.

    ``rsshub://`` routes are written as addresses on ``rsshub_base`` (never with the access
    key), so other readers can read them; without a base they stay routes.
    """
    opml = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(opml, "head")
    ElementTree.SubElement(head, "title").text = title
    ElementTree.SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(UTC))
    body = ElementTree.SubElement(opml, "body")
    folders: dict[str, ElementTree.Element] = {}
    for feed in feeds:
        parent = body
        if feed.category:
            if feed.category not in folders:
                name = folder_name(feed.category)
                folders[feed.category] = ElementTree.SubElement(
                    body, "outline", text=name, title=name
                )
            parent = folders[feed.category]
        url = feed.url
        if is_route(url) and rsshub_base:
            url = instance_url(url, rsshub_base)
        attributes = {"type": "rss", "text": feed.title or url, "title": feed.title or url}
        attributes["xmlUrl"] = url
        if feed.site_url:
            attributes["htmlUrl"] = feed.site_url
        ElementTree.SubElement(parent, "outline", attributes)
    ElementTree.indent(opml)
    return ElementTree.tostring(opml, encoding="utf-8", xml_declaration=True) + b"\n"
