"""The shipped feed catalogue (seeds/feeds.toml): publisher feeds and RSSHub routes by category.

Each entry says where the feed is (an https URL or an ``rsshub://`` route), its category (a
news category slug of summaries.taxonomy, or a free label such as ``news`` or ``hktw``), its
script and whether it carries full text. Entries marked ``default`` are enabled from the first
start when CATALOGUE=default. The file is checked as a whole when read: a bad entry is one
clear sentence naming it, never a half-read catalogue.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from bot.sources.errors import RefusedSource
from bot.sources.rsshub import is_route, parse_route
from summaries.taxonomy import CATEGORIES

Script = Literal["simplified", "traditional"]
Confidence = Literal["high", "medium", "low"]

# Categories beyond the 15 news categories, with their names: (Chinese, English).
FREE_LABELS: dict[str, tuple[str, str]] = {
    "news": ("综合", "General news"),
    "hktw": ("港澳台", "Hong Kong, Macao and Taiwan"),
}
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_SCRIPTS = ("simplified", "traditional")
_CONFIDENCE = ("high", "medium", "low")


class CatalogueError(ValueError):
    """The catalogue file cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class CatalogueEntry:
    """One feed of the catalogue."""

    slug: str
    name: str
    url: str
    category: str
    script: Script
    full_text: bool
    confidence: Confidence
    default: bool = False
    evidence: str = ""
    site: str | None = None
    note: str = ""

    @property
    def needs_rsshub(self) -> bool:
        """Read through an RSSHub instance (RSSHUB_BASE_URL)."""
        return is_route(self.url)


def category_names(category: str) -> tuple[str, str]:
    """(Chinese, English) name of a category slug or free label; the label itself otherwise."""
    for known in CATEGORIES:
        if known.slug == category:
            return known.name_zh, known.name_en
    return FREE_LABELS.get(category, (category, category))


def category_order(category: str) -> int:
    """Where a category comes in lists: free labels first (news), then the taxonomy's order."""
    labels = list(FREE_LABELS)
    if category in labels:
        return labels.index(category)
    slugs = [known.slug for known in CATEGORIES]
    return len(labels) + (slugs.index(category) if category in slugs else len(slugs))


def _feed_url(value: str, where: str) -> str:
    if is_route(value):
        try:
            return parse_route(value)
        except RefusedSource as exc:
            raise CatalogueError(f"{where}: {exc}") from None
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise CatalogueError(f"{where}: url must be https://... or rsshub://...")
    return value


def _text(raw: dict[str, Any], name: str, where: str, *, required: bool = True) -> str:
    value = raw.get(name, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise CatalogueError(f"{where}: {name} must be a non-empty string")
    return value.strip()


def _entry(raw: Any, number: int) -> CatalogueEntry:
    where = f"feed #{number}"
    if not isinstance(raw, dict):
        raise CatalogueError(f"{where} is not a table")
    slug = _text(raw, "slug", where)
    where = f"feed #{number} ({slug})"
    if not _SLUG.match(slug):
        raise CatalogueError(f"{where}: slug must be lower-case letters, digits and -")
    category = _text(raw, "category", where)
    script = _text(raw, "script", where)
    if script not in _SCRIPTS:
        raise CatalogueError(f"{where}: script must be simplified or traditional")
    confidence = _text(raw, "confidence", where)
    if confidence not in _CONFIDENCE:
        raise CatalogueError(f"{where}: confidence must be high, medium or low")
    flags = {name: raw.get(name, False) for name in ("full_text", "default")}
    if not all(isinstance(flag, bool) for flag in flags.values()):
        raise CatalogueError(f"{where}: full_text and default are true or false")
    site = raw.get("site")
    if site is not None and (
        not isinstance(site, str) or urlsplit(site).scheme not in ("http", "https")
    ):
        raise CatalogueError(f"{where}: site must be an http(s) URL")
    return CatalogueEntry(
        slug=slug,
        name=_text(raw, "name", where),
        url=_feed_url(_text(raw, "url", where), where),
        category=category,
        script=script,  # type: ignore[arg-type]
        full_text=flags["full_text"],
        confidence=confidence,  # type: ignore[arg-type]
        default=flags["default"],
        evidence=_text(raw, "evidence", where, required=False),
        site=site,
        note=_text(raw, "note", where, required=False),
    )


def parse_catalogue(data: dict[str, Any]) -> tuple[CatalogueEntry, ...]:
    """The entries of a parsed catalogue file; CatalogueError for the first bad one."""
    raw_entries = data.get("feed", [])
    if not isinstance(raw_entries, list):
        raise CatalogueError("the catalogue lists its feeds as [[feed]] tables")
    entries = tuple(_entry(raw, number) for number, raw in enumerate(raw_entries, start=1))
    seen: dict[str, str] = {}
    for entry in entries:
        for key in (entry.slug, entry.url):
            if key in seen:
                raise CatalogueError(f"feed {entry.slug}: {key} is listed twice")
            seen[key] = entry.slug
    return entries


def load_catalogue(path: Path) -> tuple[CatalogueEntry, ...]:
    """The catalogue at ``path`` (empty when the file does not exist); CatalogueError if bad."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        return ()
    except OSError as exc:
        raise CatalogueError(f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path} is not valid TOML: {exc}") from None
    try:
        return parse_catalogue(data)
    except CatalogueError as exc:
        raise CatalogueError(f"{path}: {exc}") from None


def default_entries(
    entries: tuple[CatalogueEntry, ...], mode: Literal["default", "none"]
) -> tuple[CatalogueEntry, ...]:
    """The entries to enable on start: the ``default`` ones, or none with CATALOGUE=none."""
    return tuple(entry for entry in entries if entry.default) if mode == "default" else ()
