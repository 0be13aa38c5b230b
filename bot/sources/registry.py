"""The feed registry as a service for admin commands: add, remove and list feeds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.config import Settings
from bot.sources.errors import RefusedSource
from bot.sources.feed_store import FeedRecord, FeedStore, HasEngine
from bot.sources.safety import AddressPolicy, Resolver, check_url, resolve_host

AddFeedStatus = Literal["added", "exists", "refused"]
MAX_URL_LENGTH = 2048


@dataclass(frozen=True)
class AddFeedOutcome:
    """What /addfeed did; ``reason`` says why a URL was refused."""

    status: AddFeedStatus
    url: str
    reason: str = ""


@dataclass(frozen=True)
class FeedListing:
    """The registered feeds, and which of them come from the FEEDS setting."""

    feeds: tuple[FeedRecord, ...]
    configured: frozenset[str]


class FeedRegistry:
    """Admin operations on the polled feeds."""

    def __init__(
        self, feeds: FeedStore, *, settings: Settings, resolver: Resolver = resolve_host
    ) -> None:
        self._feeds = feeds
        self._settings = settings
        self._resolver = resolver

    @classmethod
    async def open(cls, store: HasEngine, *, settings: Settings) -> FeedRegistry:
        """The registry on ``store``'s database, with FEEDS registered."""
        feeds = await FeedStore.open(store)
        await feeds.ensure(settings.feeds)
        return cls(feeds, settings=settings)

    @property
    def poll_minutes(self) -> int:
        """How often feeds are polled."""
        return self._settings.feed_poll_minutes

    async def add(self, url: str, *, added_by: int) -> AddFeedOutcome:
        """Register a feed after checking the URL is http(s) on an allowed address."""
        url = url.strip()
        if len(url) > MAX_URL_LENGTH:
            return AddFeedOutcome("refused", url[:80] + "…", "the URL is too long")
        try:
            await check_url(
                url,
                policy=AddressPolicy(allow_private=self._settings.allow_private_sources),
                resolver=self._resolver,
            )
        except RefusedSource as exc:
            return AddFeedOutcome("refused", url, str(exc))
        added = await self._feeds.add(url, added_by=added_by)
        return AddFeedOutcome("added" if added else "exists", url)

    async def remove(self, url: str) -> bool:
        """Stop polling a feed; False when it was not registered.

        A feed from the FEEDS setting is registered again at the next poll, so only the
        setting can remove it for good.
        """
        return await self._feeds.remove(url.strip())

    async def listing(self) -> FeedListing:
        """Every registered feed with its health."""
        return FeedListing(
            feeds=tuple(await self._feeds.list()), configured=frozenset(self._settings.feeds)
        )
