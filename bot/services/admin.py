"""Operator commands: counts for /stats, and /ingest of a file, folder, page or feed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.ingest import FilePolicy, Ingestor
from bot.store.api import Store
from bot.store.records import StoreStats
from summaries.model import Topic


@dataclass(frozen=True)
class IngestSummary:
    """What one /ingest did; ``duplicates`` counts near duplicates too, named with their
    reason in ``near_duplicates``."""

    added: int
    duplicates: int
    refused: tuple[tuple[str, str], ...]
    near_duplicates: tuple[tuple[str, str], ...] = ()


class AdminService:
    """What admins may ask: store counts, loading new articles.

    ``ingestor`` is the process's shared one (its writer's lock covers every source); without
    it the service makes its own.
    """

    def __init__(
        self,
        store: Store,
        *,
        settings: Settings,
        topics: Sequence[Topic],
        ingestor: Ingestor | None = None,
    ):
        self._store = store
        self._settings = settings
        self._ingestor = ingestor or Ingestor(store, settings=settings, topics=topics)

    def today(self) -> date:
        """Today in the default time zone (what 'deliveries today' counts)."""
        return datetime.now(UTC).astimezone(ZoneInfo(self._settings.default_timezone)).date()

    async def stats(self) -> StoreStats:
        """Counts of chats, subscriptions, articles and today's deliveries."""
        return await self._store.stats(today=self.today())

    async def ingest(self, source: str) -> IngestSummary:
        """Load a URL (page or feed) or a .txt file or folder under INGEST_ROOTS; refusals
        come back with their reason."""
        policy = FilePolicy(roots=self._settings.ingest_root_paths)
        report = await self._ingestor.sources([source.strip()], policy=policy)
        return IngestSummary(
            report.added,
            report.duplicates,
            tuple(report.refused),
            tuple(report.near_duplicates),
        )
