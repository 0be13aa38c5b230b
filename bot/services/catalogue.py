"""The shipped feed catalogue as admins see it: categories, entries with their state, toggles.

Turning an entry on makes it one of the operator's feeds (polled for everyone); turning it off
stops that, and chats that follow it keep it. With CATALOGUE=default the default entries are
enabled once, at the first start: an entry an admin turned off later stays off.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from bot.sources.catalogue import CatalogueEntry, category_order
from bot.sources.feed_store import FeedMeta, FeedRecord, FeedStore

log = logging.getLogger(__name__)

ToggleStatus = Literal["on", "off", "unknown", "needs_rsshub"]


@dataclass(frozen=True)
class CatalogueItem:
    """An entry and whether it is polled for everyone now (``failing``: disabled for failing)."""

    entry: CatalogueEntry
    enabled: bool
    disabled: bool = False


@dataclass(frozen=True)
class ToggleOutcome:
    """What a ✅ toggle did to an entry."""

    status: ToggleStatus
    entry: CatalogueEntry | None = None


def entry_meta(entry: CatalogueEntry) -> FeedMeta:
    """What the feed registry keeps of a catalogue entry."""
    return FeedMeta(title=entry.name, slug=entry.slug, category=entry.category, site_url=entry.site)


class CatalogueService:
    """Browse and toggle the catalogue; enable its default entries on the first start."""

    def __init__(
        self, feeds: FeedStore, entries: tuple[CatalogueEntry, ...], *, rsshub_ready: bool
    ) -> None:
        self._feeds = feeds
        self.entries = entries
        self._rsshub_ready = rsshub_ready
        self._by_slug = {entry.slug: entry for entry in entries}

    def entry(self, slug: str) -> CatalogueEntry | None:
        """The entry with this slug."""
        return self._by_slug.get(slug)

    def find(self, name: str) -> CatalogueEntry | None:
        """The entry named by its slug or its exact Chinese name."""
        key = name.strip()
        return self._by_slug.get(key.lower()) or next(
            (entry for entry in self.entries if entry.name == key), None
        )

    def categories(self) -> list[tuple[str, int]]:
        """(category, number of entries), news first, then the news categories' order."""
        counts = Counter(entry.category for entry in self.entries)
        return sorted(counts.items(), key=lambda item: (category_order(item[0]), item[0]))

    async def items(self, category: str | None = None) -> list[CatalogueItem]:
        """The entries (of one category, or all) with their state."""
        rows = await self._feeds.by_urls(entry.url for entry in self.entries)
        return [
            _item(entry, rows.get(entry.url))
            for entry in self.entries
            if category is None or entry.category == category
        ]

    async def toggle(self, slug: str) -> ToggleOutcome:
        """Turn an entry on (for everyone) or off."""
        entry = self._by_slug.get(slug)
        if entry is None:
            return ToggleOutcome("unknown")
        row = (await self._feeds.by_urls([entry.url])).get(entry.url)
        if _item(entry, row).enabled:
            await self._feeds.remove(entry.url)
            return ToggleOutcome("off", entry)
        if entry.needs_rsshub and not self._rsshub_ready:
            return ToggleOutcome("needs_rsshub", entry)
        await self._feeds.add(entry.url, added_by=None, meta=entry_meta(entry))
        return ToggleOutcome("on", entry)

    async def enable_defaults(self, defaults: tuple[CatalogueEntry, ...]) -> list[CatalogueEntry]:
        """Register the default entries never registered before; log once which ones."""
        usable = [e for e in defaults if self._rsshub_ready or not e.needs_rsshub]
        added: set[str] = set(
            await self._feeds.enable_new([(e.url, entry_meta(e)) for e in usable])
        )
        enabled = [entry for entry in usable if entry.url in added]
        if enabled:
            log.info(
                "catalogue: enabled %d default feeds: %s",
                len(enabled),
                ", ".join(f"{entry.slug} ({entry.name})" for entry in enabled),
            )
        return enabled


def _item(entry: CatalogueEntry, row: FeedRecord | None) -> CatalogueItem:
    if row is None:
        return CatalogueItem(entry, enabled=False)
    return CatalogueItem(entry, enabled=row.is_global and not row.disabled, disabled=row.disabled)
