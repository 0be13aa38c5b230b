"""The digest on demand (/digest): what the daily push would send this chat now, by page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.services.chats import ChatRef, ChatService
from bot.services.stories import (
    CANDIDATES_PER_ENTRY,
    StoryEntry,
    flatten,
    rank_stories,
    update_ids,
)
from bot.store.api import Store
from bot.store.records import StoredArticle

MAX_PAGES = 5  # pages a preview reaches (DIGEST_MAX_ARTICLES stories each)


@dataclass(frozen=True)
class DigestPreview:
    """One page of the stories a push would send now, laid out as bot.services.stories.flatten
    lays them (each story's representative first), and the chat's local date."""

    articles: list[StoredArticle]
    local_date: date
    page: int = 0
    has_next: bool = False
    entries: tuple[StoryEntry, ...] = ()

    @property
    def updates(self) -> frozenset[int]:
        """The stories shown as updates of one the chat received (for render_digest)."""
        return update_ids(self.entries)


class DigestService:
    """Builds a preview of a chat's digest; it records no delivery, so the push is unchanged."""

    def __init__(self, store: Store, chats: ChatService, *, max_articles: int):
        self._store = store
        self._chats = chats
        self._max_articles = max_articles

    async def preview(self, chat: ChatRef, *, page: int = 0) -> DigestPreview:
        """Page ``page`` (from 0) of the chat's new stories, best first: the first page is
        what the push would send; an empty page past the last one (or past MAX_PAGES)."""
        record = await self._chats.ensure(chat)
        local_date = datetime.now(UTC).astimezone(ZoneInfo(record.timezone)).date()
        if page < 0 or page >= MAX_PAGES:
            return DigestPreview([], local_date, page)
        size = self._max_articles
        window = size * CANDIDATES_PER_ENTRY  # what the push reads for this chat
        found = await self._store.articles_for_chat(chat.id, limit=window * MAX_PAGES)
        updates = {chat.id} if record.story_updates else set()
        now = datetime.now(UTC)

        async def ranked(candidates: list[StoredArticle]) -> list[StoryEntry]:
            by_chat = await rank_stories(
                self._store, {chat.id: candidates}, now=now, updates=updates
            )
            return by_chat[chat.id]

        # The first page ranks the push's own window, so it is what the push would send; the
        # later pages are the best of the rest of the larger window.
        in_window = await ranked(found[:window])
        first = in_window[:size]
        shown = {_key(entry) for entry in first}
        others = await ranked(found) if len(found) > window else in_window
        ordered = [*first, *(entry for entry in others if _key(entry) not in shown)]
        entries = ordered[page * size : (page + 1) * size]
        has_next = len(ordered) > (page + 1) * size and page + 1 < MAX_PAGES
        return DigestPreview(flatten(entries), local_date, page, has_next, tuple(entries))


def _key(entry: StoryEntry) -> tuple[str, int]:
    """What names an entry across two rankings: its story, else its one article."""
    if entry.story_id is not None:
        return ("story", entry.story_id)
    return ("article", entry.representative.id)
