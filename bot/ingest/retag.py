"""Retag: classify the stored articles again with the category model, in batches.

The store records which model version tagged it (``store_meta``, key ``MODEL_VERSION_KEY``).
``python -m bot retag`` reclassifies every article; the bot, on start, reclassifies every
article when the model differs from the recorded one, and otherwise only the articles that
have no category yet (stored by an older release, or imported). Each batch is one transaction
and the version is recorded only once every article is done, so an interrupted retag simply
runs again at the next start.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.store.records import ArticleCategory, ArticleLead
from summaries import CategoryModel
from summaries.categories import LEAD_CHARS

MODEL_VERSION_KEY = "category_model"
BATCH = 500
# Characters of the body read per article: more than the model's lead needs (it reads the
# first 2 * LEAD_CHARS before folding whitespace), so a retag sees what ingest saw.
LEAD_READ_CHARS = max(1000, 4 * LEAD_CHARS)

Progress = Callable[[int, int], None]


class RetagStore(Protocol):
    """What a retag needs of the store."""

    async def article_leads(
        self, *, after: int = 0, limit: int = 500, chars: int = 1000, uncategorized: bool = False
    ) -> list[ArticleLead]: ...

    async def set_categories(self, tags: Sequence[ArticleCategory]) -> None: ...

    async def count_articles(self) -> int: ...

    async def count_uncategorized(self) -> int: ...

    async def get_meta(self, key: str) -> str | None: ...

    async def set_meta(self, key: str, value: str) -> None: ...


@dataclass(frozen=True)
class RetagNeed:
    """Why the store must be retagged at start, and how many articles that takes."""

    stored_version: str | None
    version: str
    articles: int
    everything: bool  # the model changed: every article; else only those without a category


@dataclass
class RetagReport:
    """What a retag did: articles classified, per category slug."""

    version: str
    retagged: int = 0
    by_category: Counter[str] = field(default_factory=Counter)


def categorize(model: CategoryModel, leads: Sequence[ArticleLead]) -> list[ArticleCategory]:
    """The category of each article, as the ingest pipeline gives it (title and lead)."""
    tags = []
    for lead in leads:
        result = model.classify(lead.title, lead.lead)
        second = result.second[0] if result.second else None
        tags.append(ArticleCategory(lead.id, result.slug, result.confidence, second))
    return tags


async def retag(
    store: RetagStore,
    model: CategoryModel,
    *,
    only_uncategorized: bool = False,
    batch: int = BATCH,
    progress: Progress | None = None,
) -> RetagReport:
    """Classify every stored article (or only those without a category) and record the model
    version once all are done (a full retag only)."""
    report = RetagReport(version=model.version)
    if only_uncategorized:
        total = await store.count_uncategorized()
    else:
        total = await store.count_articles()
    after = 0
    while True:
        leads = await store.article_leads(
            after=after, limit=batch, chars=LEAD_READ_CHARS, uncategorized=only_uncategorized
        )
        if not leads:
            break
        # CPU work (jieba): a thread keeps a running bot answering meanwhile.
        tags = await asyncio.to_thread(categorize, model, leads)
        await store.set_categories(tags)
        report.retagged += len(tags)
        report.by_category.update(tag.category for tag in tags)
        after = leads[-1].id
        if progress is not None:
            progress(report.retagged, max(total, report.retagged))
    if not only_uncategorized:
        await store.set_meta(MODEL_VERSION_KEY, model.version)
    return report


async def retag_need(store: RetagStore, model: CategoryModel) -> RetagNeed | None:
    """What the start must retag, or None when the store is current.

    An empty store is current by definition: its version is recorded at once, so the seeds
    loaded next (classified as they go in) are not classified twice.
    """
    stored = await store.get_meta(MODEL_VERSION_KEY)
    if stored != model.version:
        count = await store.count_articles()
        if count:
            return RetagNeed(stored, model.version, count, everything=True)
        await store.set_meta(MODEL_VERSION_KEY, model.version)
        return None
    missing = await store.count_uncategorized()
    return RetagNeed(stored, model.version, missing, everything=False) if missing else None


async def run_retag(store: RetagStore, model: CategoryModel, need: RetagNeed) -> RetagReport:
    """The retag a ``RetagNeed`` asks for."""
    return await retag(store, model, only_uncategorized=not need.everything)
