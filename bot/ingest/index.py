"""The index's tokenization, in one place: what articles are indexed with and queries use.

The pipeline gives the store each article's tokens (``search_tokens`` of its title and body),
and the store tokenizes queries and keyword subscriptions with the analyzer of the same
segmenter (TOKENIZER, ``summaries.segmenter``); opening the store here is what keeps the two
in step, and what rebuilds the index when another tokenizer built it (bot.ingest.reindex).
Both sides fold traditional characters to simplified first (bot.ingest.script), so either
script finds the other. ``ANALYZER`` is the analyzer of the process default segmenter (rjieba
when installed), for callers without settings.
"""

from __future__ import annotations

from functools import cache

from bot.ingest.reindex import ensure_index
from bot.ingest.script import ScriptFolder
from bot.store import Analyzer, SqlStore
from bot.store import migrate as migrate_store
from bot.store import open_store as open_sql_store
from summaries.segmenter import Segmenter, segmenter
from summaries.tokens import normalize_query_text, search_tokens

FOLD_SCRIPT = ScriptFolder()


def index_tokens(text: str, words: Segmenter | None = None) -> list[str]:
    """Search tokens of ``text`` in one script: what the index holds and queries look for.

    ``words`` is the segmenter (the process default when not given).
    """
    return search_tokens(FOLD_SCRIPT(text), words)


def index_normalize(text: str) -> str:
    """The character normalization tokens are made from (snippets mark matches with it)."""
    return normalize_query_text(FOLD_SCRIPT(text))


# index_tokens resolves the default segmenter on its first call, not at import.
ANALYZER = Analyzer(tokens=index_tokens, normalize=index_normalize)


@cache
def analyzer_for(words: Segmenter) -> Analyzer:
    """The analyzer that indexes and queries with ``words``' search mode (one per segmenter)."""

    def tokens(text: str) -> list[str]:
        return index_tokens(text, words)

    return Analyzer(tokens=tokens, normalize=index_normalize)


async def open_store(
    database_url: str, *, tokenizer: str | None = None, check_index: bool = True
) -> SqlStore:
    """The store at DATABASE_URL, migrated, with queries tokenized as articles are indexed.

    ``tokenizer`` is the TOKENIZER setting (None: rjieba when installed, else jieba). With
    ``check_index``, an index another tokenizer built is rebuilt first (one log line).
    """
    words = segmenter(tokenizer)
    analyzer = analyzer_for(words)
    store = await open_sql_store(database_url, analyzer=analyzer)
    if check_index:
        try:
            await ensure_index(store, words, analyzer)
        except BaseException:
            await store.close()
            raise
    return store


async def migrate(database_url: str, *, tokenizer: str | None = None) -> int:
    """``python -m bot migrate``: create or upgrade the schema; the exit status."""
    return await migrate_store(database_url, analyzer=analyzer_for(segmenter(tokenizer)))
