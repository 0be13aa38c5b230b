"""The feed registry as a service for admin commands: add, remove and list feeds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from bot.config import Settings
from bot.sources.errors import RefusedSource
from bot.sources.feed_store import FeedMeta, FeedRecord, FeedStore, HasEngine
from bot.sources.health import FeedHealth, feed_health
from bot.sources.rsshub import NO_INSTANCE, is_route, parse_route, route_of
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
    """The registered feeds, which of them come from the FEEDS setting, and their health."""

    feeds: tuple[FeedRecord, ...]
    configured: frozenset[str]
    health: tuple[FeedHealth, ...] = ()


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

    @property
    def store(self) -> FeedStore:
        """The feed table behind the registry."""
        return self._feeds

    async def checked(self, url: str) -> str:
        """The feed address as it is stored, once checked; RefusedSource with the reason.

        http(s) on an allowed address, or an ``rsshub://`` route while an RSSHub instance is
        configured. An instance URL of a configured RSSHub is stored as its route (the key, if
        any, dropped), so an OPML file exported with a base comes back as the same feed.
        """
        url = url.strip()
        if len(url) > MAX_URL_LENGTH:
            raise RefusedSource("the URL is too long")
        bases = self._settings.rsshub_base_url
        url = route_of(url, bases) or url
        if is_route(url):
            route = parse_route(url)
            if not bases:
                raise RefusedSource(NO_INSTANCE)
            return route
        await check_url(
            url,
            policy=AddressPolicy(allow_private=self._settings.allow_private_sources),
            resolver=self._resolver,
        )
        return url

    async def add(
        self, url: str, *, added_by: int | None, meta: FeedMeta | None = None
    ) -> AddFeedOutcome:
        """Make a feed one of the operator's after checking its address (see ``checked``)."""
        shown = url.strip()
        try:
            url = await self.checked(url)
        except RefusedSource as exc:
            return AddFeedOutcome("refused", _clip(shown), str(exc))
        added = await self._feeds.add(url, added_by=added_by, meta=meta)
        return AddFeedOutcome("added" if added else "exists", url)

    async def remove(self, url: str) -> bool:
        """Stop polling a feed; False when it was not registered.

        A feed from the FEEDS setting is registered again at the next poll, so only the
        setting can remove it for good.
        """
        return await self._feeds.remove(url.strip())

    async def listing(self, now: datetime | None = None) -> FeedListing:
        """Every registered feed with its health."""
        configured = frozenset(self._settings.feeds)
        rows = await feed_health(
            self._feeds,
            now=now or datetime.now(UTC),
            base=timedelta(minutes=self._settings.feed_poll_minutes),
            configured=configured,
        )
        return FeedListing(
            feeds=tuple(row.feed for row in rows), configured=configured, health=tuple(rows)
        )


def _clip(url: str) -> str:
    return url if len(url) <= 80 else url[:80] + "…"
