"""The index's tokenization, in one place: what articles are indexed with and queries use.

The pipeline gives the store each article's tokens (``search_tokens`` of its title and body),
and the store tokenizes queries and keyword subscriptions with the analyzer of the same
segmenter (TOKENIZER, ``summaries.segmenter``); opening the store here is what keeps the two
in step, and what rebuilds the index when another tokenizer built it (bot.ingest.reindex).
``ANALYZER`` is the analyzer of the process default segmenter (rjieba when installed), for
callers without settings.
"""

from __future__ import annotations

from functools import cache, partial

from bot.ingest.reindex import ensure_index
from bot.store import Analyzer, SqlStore
from bot.store import migrate as migrate_store
from bot.store import open_store as open_sql_store
from summaries.segmenter import Segmenter, segmenter
from summaries.tokens import normalize_query_text, search_tokens

# search_tokens resolves the default segmenter on its first call, not at import.
ANALYZER = Analyzer(tokens=search_tokens, normalize=normalize_query_text)


@cache
def analyzer_for(words: Segmenter) -> Analyzer:
    """The analyzer that indexes and queries with ``words``' search mode (one per segmenter)."""
    return Analyzer(tokens=partial(search_tokens, words=words), normalize=normalize_query_text)


async def open_store(
    database_url: str, *, tokenizer: str | None = None, check_index: bool = True
) -> SqlStore:
    """The store at DATABASE_URL, migrated, with queries tokenized as articles are indexed.

    ``tokenizer`` is the TOKENIZER setting (None: rjieba when installed, else jieba). With
    ``check_index``, an index another tokenizer built is rebuilt first (one log line).
    """
    words = segmenter(tokenizer)
    store = await open_sql_store(database_url, analyzer=analyzer_for(words))
    if check_index:
        try:
            await ensure_index(store, words)
        except BaseException:
            await store.close()
            raise
    return store


async def migrate(database_url: str, *, tokenizer: str | None = None) -> int:
    """``python -m bot migrate``: create or upgrade the schema; the exit status."""
    return await migrate_store(database_url, analyzer=analyzer_for(segmenter(tokenizer)))
