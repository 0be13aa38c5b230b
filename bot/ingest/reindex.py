"""The search index follows the tokenizer: rebuilt when another one built it.

Index tokens and queries must come from the same segmenter, or searches silently miss. The
store records what built its index (``tokenizer`` with its version, ``dictionary``); opening
the store through bot.ingest compares that record with the segmenter in use
(``ensure_index``) and rebuilds every article's index tokens from its title and body when they
differ (``reindex``, also ``python -m bot reindex``), together with the SimHash fingerprints the
near-duplicate check compares, which are made from the same tokens.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Protocol

from bot.store import Analyzer
from bot.store.records import ArticleIndex, IndexSource
from bot.store.reindex import IndexBatch, Progress
from summaries.segmenter import Segmenter
from summaries.similarity import simhash

log = logging.getLogger(__name__)

REINDEX_BATCH = 500


class IndexedStore(Protocol):
    """What the reindex needs of the store."""

    async def index_meta(self) -> dict[str, str]:
        """What built the full-text index; empty if unknown."""
        ...

    async def set_index_meta(self, values: Mapping[str, str]) -> None:
        """Record what built the full-text index."""
        ...

    async def count_articles(self) -> int:
        """How many articles are stored."""
        ...

    async def reindex(
        self,
        index: IndexBatch,
        *,
        meta: Mapping[str, str],
        batch: int = REINDEX_BATCH,
        progress: Progress | None = None,
    ) -> int:
        """Rebuild every article's index with ``index`` and record ``meta``."""
        ...


def index_articles(sources: Sequence[IndexSource], analyzer: Analyzer) -> list[ArticleIndex]:
    """New index tokens and fingerprints, as the pipeline makes them for a new article."""
    out = []
    for source in sources:
        body_tokens = tuple(analyzer.tokens(source.body))
        out.append(
            ArticleIndex(
                id=source.id,
                title_tokens=tuple(analyzer.tokens(source.title)),
                body_tokens=body_tokens,
                fingerprint=simhash(body_tokens),
            )
        )
    return out


async def reindex(
    store: IndexedStore,
    words: Segmenter,
    analyzer: Analyzer,
    *,
    batch: int = REINDEX_BATCH,
    progress: Progress | None = None,
) -> int:
    """Rebuild every article's index tokens with ``analyzer`` (the analyzer of ``words``, the
    segmenter recorded as the builder); the number of articles."""

    async def index(sources: Sequence[IndexSource]) -> list[ArticleIndex]:
        # Tokenizing is CPU work: a thread keeps the event loop answering meanwhile.
        return await asyncio.to_thread(index_articles, sources, analyzer)

    return await store.reindex(index, meta=words.identity, batch=batch, progress=progress)


def stale(recorded: Mapping[str, str], words: Segmenter) -> bool:
    """Whether an index recorded as built by ``recorded`` needs ``words`` to rebuild it."""
    return any(recorded.get(key) != value for key, value in words.identity.items())


async def ensure_index(store: IndexedStore, words: Segmenter, analyzer: Analyzer) -> int | None:
    """Rebuild the index when another tokenizer (or none recorded) built it; the number of
    articles reindexed, or None when the index was current. An empty store is only recorded."""
    recorded = await store.index_meta()
    if not stale(recorded, words):
        return None
    count = await store.count_articles()
    if count == 0:
        await store.set_index_meta(words.identity)
        return None
    # Said before the work starts: on a large store it is why the start takes a while.
    log.warning(
        "rebuilding the search index of %d articles for %s (it was built by %s)",
        count,
        words.identity["tokenizer"],
        recorded.get("tokenizer", "an unrecorded tokenizer"),
    )
    return await reindex(store, words, analyzer)
