"""Polled feeds for the admin commands: add, remove and list, with each feed's health."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.sources.registry import AddFeedOutcome, FeedListing, FeedRegistry

RemoveFeedStatus = Literal["removed", "removed_configured", "missing"]


@dataclass(frozen=True)
class RemoveFeedOutcome:
    """What /delfeed did; ``removed_configured`` means FEEDS will bring the feed back."""

    status: RemoveFeedStatus
    url: str


class FeedService:
    """The admin's view of the feed registry."""

    def __init__(self, registry: FeedRegistry) -> None:
        self._registry = registry

    @property
    def poll_minutes(self) -> int:
        """How often feeds are polled."""
        return self._registry.poll_minutes

    async def add(self, url: str, *, added_by: int) -> AddFeedOutcome:
        """Register a feed (http or https on an allowed address) for polling."""
        return await self._registry.add(url, added_by=added_by)

    async def remove(self, url: str) -> RemoveFeedOutcome:
        """Stop polling a feed; say when the FEEDS setting will register it again."""
        url = url.strip()
        configured = url in (await self._registry.listing()).configured
        if not await self._registry.remove(url):
            return RemoveFeedOutcome("missing", url)
        return RemoveFeedOutcome("removed_configured" if configured else "removed", url)

    async def listing(self) -> FeedListing:
        """Every registered feed with its health, and which come from FEEDS."""
        return await self._registry.listing()
