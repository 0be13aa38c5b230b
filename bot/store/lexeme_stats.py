"""How common the lexemes of PostgreSQL's full-text index are, from ANALYZE's statistics.

ANALYZE keeps, for the ``articles_fts.document`` column, the most common lexemes with the share
of rows that hold each (``pg_stats.most_common_elems``); the planner estimates ``@@`` from the
same numbers. Search reads them to pick its plan for very common words (bot.store.search).
They are cached per database for a few minutes: they change only when the table is analyzed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

STATS_TTL_SECONDS = 300.0

_STATS_SQL = sa.text(
    "SELECT c.reltuples AS rows, s.most_common_elems::text::text[] AS elems, "
    "s.most_common_elem_freqs AS freqs "
    "FROM pg_class c LEFT JOIN pg_stats s ON s.schemaname = current_schema() "
    "AND s.tablename = 'articles_fts' AND s.attname = 'document' "
    "WHERE c.oid = to_regclass('articles_fts')"
)


@dataclass(frozen=True)
class LexemeStats:
    """Row count of the index table and the share of rows holding each common lexeme."""

    rows: float = 0.0
    shares: dict[str, float] = field(default_factory=dict)

    def share(self, tokens: Sequence[str]) -> float:
        """Estimated share of rows holding every token (independent, as the planner assumes);
        0.0 when any token is not among the common ones."""
        result = 1.0
        for token in tokens:
            result *= self.shares.get(token, 0.0)
        return result


_cache: dict[str, tuple[float, LexemeStats]] = {}


async def lexeme_stats(conn: AsyncConnection) -> LexemeStats:
    """The statistics of the connection's database, at most STATS_TTL_SECONDS old."""
    key = conn.engine.url.render_as_string(hide_password=True)
    now = time.monotonic()
    cached = _cache.get(key)
    if cached is not None and now - cached[0] < STATS_TTL_SECONDS:
        return cached[1]
    row = (await conn.execute(_STATS_SQL)).first()
    stats = LexemeStats()
    if row is not None and row.elems and row.freqs and row.rows > 0:
        # most_common_elem_freqs has three more entries (min, max, null share) than elems.
        stats = LexemeStats(float(row.rows), dict(zip(row.elems, row.freqs, strict=False)))
    _cache[key] = (now, stats)
    return stats
