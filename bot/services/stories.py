"""Digest entries by story: the chat's new articles collapsed into stories, ranked.

One entry per story: its representative article and one article of each other source that
carries it. A story any article of which a chat already received (a sent delivery) is left out,
so a story is pushed once however many sources join it later; unless the chat asks for story
updates (``chats.story_updates``): then such a story comes again when one of its new articles
(a candidate) is from a source the chat has not had for it, as an *update* entry showing only
the sources new to the chat. Its articles are recorded as sent like any other, so each new
source makes one update at most.

Ranking (``story_score``), higher first:

    log2(1 + sources) + 0.5 ** (age_hours / 24) + matched / size

``sources`` is how many distinct sources carry the story (one source scores 1, two 1.58, four
2.32: each further outlet adds less); the second term halves each day since the story's newest
article; ``matched / size`` is the share of the story's articles that match the chat's
subscriptions (a story the chat follows through every report beats one it meets by one side
report). Ties go to the newer story.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.store.records import StoredArticle, StoryRecord


class StoryStore(Protocol):
    """What the story collapse needs of the store."""

    async def story_members(self, story_ids: Sequence[int]) -> dict[int, list[StoredArticle]]: ...

    async def get_stories(self, story_ids: Sequence[int]) -> dict[int, StoryRecord]: ...

    async def sent_stories(
        self, chat_ids: Sequence[int], story_ids: Sequence[int]
    ) -> dict[int, set[int]]: ...

    async def sent_story_sources(
        self, chat_ids: Sequence[int], story_ids: Sequence[int]
    ) -> dict[int, dict[int, set[str]]]: ...

    async def excluded_among(
        self, chat_ids: Sequence[int], article_ids: Sequence[int]
    ) -> dict[int, set[int]]: ...


# Candidate articles read per story a digest shows: several reports of one story collapse into
# one entry. The push ranks this window of a chat's newest candidates, and so does the first
# page of /digest, which shows what the push would send.
CANDIDATES_PER_ENTRY = 4


@dataclass(frozen=True)
class StoryEntry:
    """One story of a digest or a search: who speaks for it and the other sources carrying it."""

    representative: StoredArticle
    others: tuple[StoredArticle, ...] = ()  # one article per other source, oldest first
    story_id: int | None = None  # None: an article stored before stories, alone
    score: float = 0.0
    update: bool = False  # a story the chat received before: these are its new sources

    @property
    def articles(self) -> tuple[StoredArticle, ...]:
        """The representative, then the others: what a delivery records as sent."""
        return (self.representative, *self.others)


def sort_time(article: StoredArticle) -> datetime:
    """When an article counts as published: published, else ingested."""
    return article.published_at or article.ingested_at


def story_score(*, sources: int, newest: datetime, matched: int, size: int, now: datetime) -> float:
    """The ranking score of a story (see the module docstring)."""
    age_hours = max(0.0, (now - newest).total_seconds() / 3600)
    return math.log2(1 + max(1, sources)) + 0.5 ** (age_hours / 24) + matched / max(1, size)


def _story_key(article: StoredArticle) -> int:
    # An article without a story is a story of its own; negative ids cannot meet story ids.
    return article.story_id if article.story_id is not None else -article.id


def entry_for(
    members: Sequence[StoredArticle], representative_id: int | None, story_id: int | None
) -> StoryEntry:
    """The entry of a story from its members: the representative, then one per other source."""
    by_id = {a.id: a for a in members}
    head = by_id.get(representative_id) if representative_id is not None else None
    if head is None:
        head = members[0]
    seen = {head.source}
    others = []
    for article in sorted(members, key=lambda a: (sort_time(a), a.id)):
        if article.source not in seen:
            seen.add(article.source)
            others.append(article)
    return StoryEntry(head, tuple(others), story_id)


def entries_from_articles(
    articles: Sequence[StoredArticle], updates: Collection[int] = ()
) -> list[StoryEntry]:
    """Entries from a list laid out as ``flatten`` lays them (each story's representative
    first): how a resumed delivery renders exactly what it began sending. Stories whose id is
    in ``updates`` are update entries."""
    groups: dict[int, list[StoredArticle]] = {}
    for article in articles:
        groups.setdefault(_story_key(article), []).append(article)
    return [
        StoryEntry(
            group[0],
            tuple(group[1:]),
            group[0].story_id,
            update=group[0].story_id is not None and group[0].story_id in updates,
        )
        for group in groups.values()
    ]


def update_ids(entries: Sequence[StoryEntry]) -> frozenset[int]:
    """The story ids of the update entries among ``entries`` (what the renderer marks)."""
    return frozenset(e.story_id for e in entries if e.update and e.story_id is not None)


def flatten(entries: Sequence[StoryEntry]) -> list[StoredArticle]:
    """Every article the entries show, story by story, representative first."""
    return [article for entry in entries for article in entry.articles]


async def rank_stories(
    store: StoryStore,
    candidates: dict[int, list[StoredArticle]],
    *,
    now: datetime,
    updates: Collection[int] = (),
) -> dict[int, list[StoryEntry]]:
    """Each chat's new articles (``candidates``: matching its subscriptions, not sent) as
    ranked story entries, without the stories the chat already received, in three queries.

    Chats in ``updates`` (ids of chats with story updates on) get a story they received
    again, as an update entry of the sources new to them, when a candidate is from such a
    source; their sent stories are read with the sources they came from (the third query,
    split in two when the batch mixes both kinds of chat)."""
    story_ids = sorted(
        {a.story_id for found in candidates.values() for a in found if a.story_id is not None}
    )
    members = await store.story_members(story_ids) if story_ids else {}
    records = await store.get_stories(story_ids) if story_ids else {}
    following = [chat_id for chat_id in candidates if chat_id in updates]
    plain = [chat_id for chat_id in candidates if chat_id not in updates]
    sent = await store.sent_stories(plain, story_ids) if story_ids and plain else {}
    received = (
        await store.sent_story_sources(following, story_ids) if story_ids and following else {}
    )
    # Members the chat excluded are not shown under another article's story either (the
    # candidates are already free of them; members come from the story, unfiltered).
    member_ids = sorted({a.id for story in members.values() for a in story})
    excluded = await store.excluded_among(list(candidates), member_ids) if member_ids else {}
    out: dict[int, list[StoryEntry]] = {}
    for chat_id, found in candidates.items():
        matched: dict[int, list[StoredArticle]] = {}
        for article in found:
            matched.setdefault(_story_key(article), []).append(article)
        had = received.get(chat_id, {})
        ranked: list[tuple[float, datetime, int, StoryEntry]] = []
        for key, hits in matched.items():
            story = members.get(key) or hits
            if chat_id in excluded:
                story = [a for a in story if a.id not in excluded[chat_id]] or hits
            record = records.get(key)
            representative = record.representative_id if record else None
            is_update = False
            if key >= 0 and key in sent.get(chat_id, set()):
                continue
            if key >= 0 and key in had:
                old = had[key]
                hits = [a for a in hits if a.source not in old]
                if not hits:
                    continue  # nothing from a source the chat has not had for this story
                # Only the sources new to the chat: what it had is not shown again.
                story = [a for a in story if a.source not in old] or hits
                is_update = True
            entry = entry_for(story, representative, hits[0].story_id)
            sources = len({a.source for a in story})
            newest = max(sort_time(a) for a in story)
            score = story_score(
                sources=sources, newest=newest, matched=len(hits), size=len(story), now=now
            )
            entry = StoryEntry(
                entry.representative, entry.others, entry.story_id, score, update=is_update
            )
            ranked.append((score, newest, entry.representative.id, entry))
        ranked.sort(key=lambda item: (-item[0], -item[1].timestamp(), -item[2]))
        out[chat_id] = [item[3] for item in ranked]
    return out
