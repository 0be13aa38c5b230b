"""Feeds for every chat: follow a feed (URL, rsshub:// route or catalogue entry), leave it,
import an OPML file, export the chat's feeds as OPML; and the operator's feeds as OPML.

A feed is one row of the registry however many chats follow it (bot.sources.feed_store): a
chat's 'feed' subscription names it by its stored address, and every new article of the feed
goes into the digest of each chat that follows it. A chat follows at most MAX_FEEDS_PER_CHAT
feeds; with MULTIUSER=0 only admins may change which feeds a chat follows.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Literal

from bot.services.catalogue import CatalogueService, entry_meta
from bot.services.chats import ChatRef, ChatService
from bot.sources.errors import RefusedSource
from bot.sources.feed_store import FeedMeta
from bot.sources.opml import OpmlError, OpmlFeed, read_opml, write_opml
from bot.sources.registry import FeedRegistry
from bot.sources.rsshub import is_route
from bot.sources.urls import is_url
from bot.store.api import Store

FollowStatus = Literal["added", "exists", "limit", "refused", "admins_only", "removed", "missing"]
# Addresses checked at once during an import (each may need a DNS lookup).
CHECK_CONCURRENCY = 8


@dataclass(frozen=True)
class FollowOutcome:
    """What following (or leaving) a feed did; ``reason`` says why it was refused."""

    status: FollowStatus
    url: str
    name: str = ""
    reason: str = ""


@dataclass
class ImportReport:
    """An OPML import: feeds added, already there, refused (address, reason).

    ``error`` is set when the file was refused whole (nothing was imported).
    """

    added: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None


def looks_like_feed(subject: str) -> bool:
    """Whether a /subscribe argument names a feed address (http(s):// or rsshub://)."""
    text = subject.strip()
    return is_route(text) or is_url(text)


class ChatFeedService:
    """The feeds each chat follows, and OPML in and out."""

    def __init__(
        self,
        store: Store,
        chats: ChatService,
        registry: FeedRegistry,
        catalogue: CatalogueService,
        *,
        max_per_chat: int,
        multiuser: bool,
        admin_ids: frozenset[int],
        rsshub_base: str | None = None,
    ) -> None:
        self._store = store
        self._chats = chats
        self._registry = registry
        self._catalogue = catalogue
        self.max_per_chat = max_per_chat
        self._multiuser = multiuser
        self._admins = admin_ids
        self._rsshub_base = rsshub_base

    def may_manage(self, user_id: int | None) -> bool:
        """Whether this user may change a chat's feeds (everyone, or admins with MULTIUSER=0)."""
        return self._multiuser or (user_id is not None and user_id in self._admins)

    def catalogue_entry_name(self, subject: str) -> str | None:
        """The catalogue entry a /subscribe argument names (slug or Chinese name), if any."""
        entry = self._catalogue.find(subject)
        return entry.slug if entry is not None else None

    async def titles(self, urls: list[str]) -> dict[str, str]:
        """The titles known for these feeds, by address."""
        rows = await self._registry.store.by_urls(urls)
        return {url: row.title for url, row in rows.items() if row.title}

    async def follow(self, chat: ChatRef, subject: str, *, user_id: int | None) -> FollowOutcome:
        """Follow a feed named by its address or a catalogue entry."""
        if not self.may_manage(user_id):
            return FollowOutcome("admins_only", subject.strip())
        entry = None if looks_like_feed(subject) else self._catalogue.find(subject)
        if entry is not None:
            meta, raw = entry_meta(entry), entry.url
        else:
            meta, raw = FeedMeta(), subject
        try:
            url = await self._registry.checked(raw)
        except RefusedSource as exc:
            return FollowOutcome("refused", _clip(raw.strip()), reason=str(exc))
        return await self._subscribe(chat, url, meta, user_id)

    async def _subscribe(
        self, chat: ChatRef, url: str, meta: FeedMeta, user_id: int | None
    ) -> FollowOutcome:
        await self._chats.ensure(chat)
        record = await self._registry.store.register(url, added_by=user_id, meta=meta)
        outcome = await self._store.add_subscription(
            chat.id, "feed", url, max_per_chat=self.max_per_chat
        )
        if outcome == "added" and record.disabled:
            # A chat asking for a disabled feed gives it another chance.
            await self._registry.store.enable(url)
        return FollowOutcome(outcome, url, record.title or url)

    async def unfollow(self, chat: ChatRef, subject: str, *, user_id: int | None) -> FollowOutcome:
        """Stop following a feed (its address, as given or as stored)."""
        if not self.may_manage(user_id):
            return FollowOutcome("admins_only", subject.strip())
        raw = subject.strip()
        candidates = [raw]
        with contextlib.suppress(RefusedSource):
            candidates.append(await self._registry.checked(raw))
        await self._chats.ensure(chat)
        for url in dict.fromkeys(candidates):
            if await self._store.remove_subscription(chat.id, "feed", url):
                titles = await self.titles([url])
                return FollowOutcome("removed", url, titles.get(url, url))
        return FollowOutcome("missing", raw)

    async def followed(self, chat: ChatRef) -> list[OpmlFeed]:
        """The chat's feeds, in the order followed, with what the registry knows of them."""
        subscriptions = await self._store.list_subscriptions(chat.id)
        urls = [s.value for s in subscriptions if s.kind == "feed"]
        rows = await self._registry.store.by_urls(urls)
        return [_opml_feed(url, rows[url].meta if url in rows else FeedMeta()) for url in urls]

    async def export_chat(self, chat: ChatRef) -> tuple[int, bytes]:
        """(number of feeds, the OPML document) of the chat's feeds."""
        feeds = await self.followed(chat)
        return len(feeds), self._write(feeds, "文摘 wenzhai")

    async def export_global(self) -> tuple[int, bytes]:
        """(number of feeds, the OPML document) of the operator's feeds."""
        rows = [row for row in await self._registry.store.list() if row.is_global]
        feeds = [_opml_feed(row.url, row.meta) for row in rows]
        return len(feeds), self._write(feeds, "文摘 wenzhai: operator feeds")

    def _write(self, feeds: list[OpmlFeed], title: str) -> bytes:
        return write_opml(feeds, title=title, rsshub_base=self._rsshub_base)

    async def import_chat(self, chat: ChatRef, data: bytes, *, user_id: int | None) -> ImportReport:
        """Follow every feed of an OPML file, within the chat's limit."""
        if not self.may_manage(user_id):
            return ImportReport(error="admins_only")
        report, checked = await self._read(data)
        if report.error is not None:
            return report
        await self._chats.ensure(chat)
        full = False
        for url, feed in checked:
            if full:
                report.refused.append((url, f"the chat's limit of {self.max_per_chat} feeds"))
                continue
            outcome = await self._subscribe(chat, url, _meta(feed), user_id)
            if outcome.status == "limit":
                full = True
                report.refused.append((url, f"the chat's limit of {self.max_per_chat} feeds"))
            else:
                (report.added if outcome.status == "added" else report.existing).append(url)
        return report

    async def import_global(self, data: bytes, *, added_by: int | None) -> ImportReport:
        """Make every feed of an OPML file one of the operator's feeds."""
        report, checked = await self._read(data)
        for url, feed in checked:
            added = await self._registry.store.add(url, added_by=added_by, meta=_meta(feed))
            (report.added if added else report.existing).append(url)
        return report

    async def _read(self, data: bytes) -> tuple[ImportReport, list[tuple[str, OpmlFeed]]]:
        """The file's feeds with their checked addresses; refusals and a whole-file error."""
        report = ImportReport()
        try:
            document = read_opml(data)
        except OpmlError as exc:
            report.error = str(exc)
            return report, []
        report.refused.extend(document.refused)
        gate = asyncio.Semaphore(CHECK_CONCURRENCY)

        async def check(feed: OpmlFeed) -> tuple[str | None, str]:
            async with gate:
                try:
                    return await self._registry.checked(feed.url), ""
                except RefusedSource as exc:
                    return None, str(exc)

        results = await asyncio.gather(*(check(feed) for feed in document.feeds))
        checked: list[tuple[str, OpmlFeed]] = []
        seen: set[str] = set()
        for feed, (url, reason) in zip(document.feeds, results, strict=True):
            if url is None:
                report.refused.append((_clip(feed.url), reason))
            elif url not in seen:
                seen.add(url)
                checked.append((url, feed))
        return report, checked


def _meta(feed: OpmlFeed) -> FeedMeta:
    return FeedMeta(title=feed.title or None, category=feed.category, site_url=feed.site_url)


def _opml_feed(url: str, meta: FeedMeta) -> OpmlFeed:
    return OpmlFeed(url, meta.title or "", meta.site_url, meta.category)


def _clip(url: str) -> str:
    return url if len(url) <= 120 else url[:119] + "…"
