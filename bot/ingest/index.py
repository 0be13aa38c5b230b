"""The index's tokenization, in one place: what articles are indexed with and queries use.

The pipeline gives the store each article's tokens (``search_tokens`` of its title and body),
and the store tokenizes queries and keyword subscriptions with ``ANALYZER``, the same
function; opening the store here is what keeps the two in step. Both sides fold traditional
characters to simplified first (bot.ingest.script), so either script finds the other.
"""

from __future__ import annotations

from bot.ingest.script import ScriptFolder
from bot.store import Analyzer, SqlStore
from bot.store import migrate as migrate_store
from bot.store import open_store as open_sql_store
from summaries.tokens import normalize_query_text, search_tokens

FOLD_SCRIPT = ScriptFolder()


def index_tokens(text: str) -> list[str]:
    """Search tokens of ``text`` in one script: what the index holds and queries look for."""
    return search_tokens(FOLD_SCRIPT(text))


def index_normalize(text: str) -> str:
    """The character normalization tokens are made from (snippets mark matches with it)."""
    return normalize_query_text(FOLD_SCRIPT(text))


ANALYZER = Analyzer(tokens=index_tokens, normalize=index_normalize)


async def open_store(database_url: str) -> SqlStore:
    """The store at DATABASE_URL, migrated, with queries tokenized as articles are indexed."""
    return await open_sql_store(database_url, analyzer=ANALYZER)


async def migrate(database_url: str) -> int:
    """``python -m bot migrate``: create or upgrade the schema; the exit status."""
    return await migrate_store(database_url, analyzer=ANALYZER)
