"""Operator commands: counts for /stats, and /ingest of a file, folder, page or feed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.store.api import Store
from bot.store.records import StoreStats
from summaries.model import Topic


@dataclass(frozen=True)
class IngestSummary:
    """What one /ingest did."""

    added: int
    duplicates: int
    refused: tuple[tuple[str, str], ...]


class AdminService:
    """What admins may ask: store counts, loading new articles."""

    def __init__(self, store: Store, *, settings: Settings, topics: Sequence[Topic]):
        self._store = store
        self._settings = settings
        self._topics = tuple(topics)

    def today(self) -> date:
        """Today in the default time zone (what 'deliveries today' counts)."""
        return datetime.now(UTC).astimezone(ZoneInfo(self._settings.default_timezone)).date()

    async def stats(self) -> StoreStats:
        """Counts of chats, subscriptions, articles and today's deliveries."""
        return await self._store.stats(today=self.today())

    async def ingest(self, source: str) -> IngestSummary:
        """Load a URL (page or feed) or a local path; refusals come back with their reason."""
        source = source.strip()
        if source.lower().startswith(("http://", "https://")):
            from bot.sources.urls import ingest_urls

            report = await ingest_urls(
                self._store, [source], settings=self._settings, topics=self._topics
            )
        else:
            path = Path(source)
            if not await asyncio.to_thread(path.exists):
                return IngestSummary(0, 0, ((source, "no such file or folder"),))
            from bot.services.ingest import ingest_paths

            report = await ingest_paths(
                self._store, [path], settings=self._settings, topics=self._topics
            )
        return IngestSummary(report.added, report.duplicates, tuple(report.refused))
