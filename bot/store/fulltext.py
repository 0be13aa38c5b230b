"""Full-text documents and queries built from search tokens, never from raw user text.

Matching rule (the same for search and keyword subscriptions): a query matches an article when
every distinct query token occurs as a whole token in its title or body. There is no prefix
matching: jieba's ``cut_for_search`` already indexes the dictionary words inside longer words
(志愿者 is indexed as 志愿, 愿者 and 志愿者), so 志愿 finds 志愿者 while 志 does not find every
word that starts with 志. Only the first ``MAX_QUERY_TOKENS`` distinct tokens of a query count.

Each token is quoted (FTS5 string, tsquery lexeme), so no character the user typed can act as
query syntax: AND, OR, NOT, NEAR, *, ^, :, - and quotes are plain words or dropped punctuation.

The store holds no language processing: articles arrive with their index tokens (made by the
ingest pipeline), and queries are tokenized by the ``Analyzer`` the store was opened with, the
same one the pipeline uses (``bot.ingest.index``), so index and queries agree token for token.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

MAX_QUERY_TOKENS = 32


@dataclass(frozen=True)
class Analyzer:
    """How text becomes search tokens, handed to the store by whoever opens it.

    ``tokens`` turns text into index tokens (in order, repeats kept); ``normalize`` is the
    character normalization tokens are made from, which snippets use to find matched words.
    """

    tokens: Callable[[str], Sequence[str]]
    normalize: Callable[[str], str]


# PostgreSQL tsvector limits: positions run 1..16383 and a lexeme keeps at most 256 of them.
_PG_MAX_POSITION = 16383
_PG_MAX_POSITIONS_PER_LEXEME = 256
# A lexeme must be shorter than 2 KiB; longer "words" are not worth indexing anyway.
_MAX_TOKEN_BYTES = 1000
# A tsvector must stay under 1 MiB (lexemes, plus 2 bytes a position and a few bytes of header
# each); a huge article's index stops taking new words below that, so the article is still
# stored and found by the words of its first few hundred kilobytes.
_PG_MAX_TSVECTOR_BYTES = 900_000
_PG_LEXEME_OVERHEAD = 8


# A token longer than 250 characters inside space-joined tokens (none of which holds a space).
_LONG_TOKEN = re.compile(r"[^ ]{251}")


class JoinedTokens(Sequence[str]):
    """Index tokens held as one text joined by spaces (``joined_tokens`` makes it only when no
    token holds a space): what an ingest worker sends back, one string for the main process to
    unpickle instead of one per token, and on SQLite the very text the index is given."""

    __slots__ = ("length", "text")

    def __init__(self, text: str, length: int) -> None:
        self.text = text
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[str]:
        return iter(self.text.split(" ") if self.length else ())

    def __getitem__(self, index: Any) -> Any:
        return tuple(self)[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"JoinedTokens({tuple(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (JoinedTokens, (self.text, self.length))


def joined_tokens(tokens: Sequence[str]) -> Sequence[str]:
    """The tokens as ``JoinedTokens``; as they are when one of them holds a space."""
    text = " ".join(tokens)
    if text.count(" ") != max(len(tokens) - 1, 0):
        return tokens
    return JoinedTokens(text, len(tokens))


def _indexable(token: str) -> bool:
    return len(token.encode("utf-8")) <= _MAX_TOKEN_BYTES


def query_tokens(text: str, analyzer: Analyzer) -> tuple[str, ...]:
    """The distinct search tokens of a query, at most MAX_QUERY_TOKENS of them."""
    tokens = [t for t in dict.fromkeys(analyzer.tokens(text)) if _indexable(t)]
    return tuple(tokens[:MAX_QUERY_TOKENS])


def document_text(tokens: Sequence[str]) -> str:
    """Space-joined tokens: the text the SQLite FTS5 index holds for a title or a body."""
    # A token of at most 250 characters is at most 1000 bytes: only longer ones are encoded,
    # and only an article that has one is filtered token by token.
    if isinstance(tokens, JoinedTokens):
        if _LONG_TOKEN.search(tokens.text) is None:
            return tokens.text
        tokens = tuple(tokens)
    if max(map(len, tokens), default=0) <= 250:
        return " ".join(tokens)
    return " ".join([t for t in tokens if len(t) <= 250 or _indexable(t)])


def fts5_query(tokens: Sequence[str]) -> str:
    """An FTS5 query that requires every token, each a quoted string (implicit AND)."""
    return " ".join(_fts5_string(t) for t in tokens)


def fts5_any_query(groups: Sequence[Sequence[str]]) -> str:
    """An FTS5 query that matches when all tokens of any one group occur."""
    return " OR ".join(f"({fts5_query(group)})" for group in groups if group)


def _fts5_string(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _pg_lexeme(token: str) -> str:
    return "'" + _pg_escaped(token) + "'"


def _pg_escaped(token: str) -> str:
    return token.replace("\\", "\\\\").replace("'", "''")


def tsquery_text(tokens: Sequence[str]) -> str:
    """tsquery input that requires every token, each a quoted lexeme (cast with ::tsquery)."""
    return " & ".join(_pg_lexeme(t) for t in tokens)


def tsquery_any_text(groups: Sequence[Sequence[str]]) -> str:
    """tsquery input that matches when all tokens of any one group occur."""
    return " | ".join(f"({tsquery_text(group)})" for group in groups if group)


def tsvector_text(title_tokens: Sequence[str], body_tokens: Sequence[str]) -> str:
    """tsvector input with positions: title tokens weighted A, body tokens weighted B (a
    lexeme may be given more than once: the input merges its positions).

    Built as a literal rather than with to_tsvector, so PostgreSQL's own parser never splits
    or rewrites a jieba token (3.5, c++ and 100% stay whole).
    """
    if isinstance(title_tokens, JoinedTokens):
        title_tokens = list(title_tokens)
    if isinstance(body_tokens, JoinedTokens):
        body_tokens = list(body_tokens)
    count = len(title_tokens) + len(body_tokens)
    longest = max(map(len, chain(title_tokens, body_tokens)), default=0)
    chars = sum(map(len, title_tokens)) + sum(map(len, body_tokens))
    # Nearly every article: no position past the last, no token too long, and even at 4 bytes
    # a character the literal stays under the size limit; then no check is needed per token.
    if (
        count < _PG_MAX_POSITION
        and longest <= 250
        and 4 * chars + 10 * count < _PG_MAX_TSVECTOR_BYTES
    ):
        return _tsvector_text_small(title_tokens, body_tokens)
    positions: dict[str, list[str]] = {}
    position = 0
    size = 0
    for weight, tokens in (("A", title_tokens), ("B", body_tokens)):
        for token in tokens:
            if not _indexable(token):
                continue
            position = min(position + 1, _PG_MAX_POSITION)
            entries = positions.get(token)
            if entries is None:
                cost = len(token.encode("utf-8")) + _PG_LEXEME_OVERHEAD
                if size + cost > _PG_MAX_TSVECTOR_BYTES:
                    continue
                size += cost
                entries = positions[token] = []
            entry = f"{position}{weight}"
            # Past the last position every token lands on it; keep one entry per lexeme there.
            if len(entries) < _PG_MAX_POSITIONS_PER_LEXEME and entry not in entries[-1:]:
                entries.append(entry)
                size += 2
    return " ".join(f"{_pg_lexeme(t)}:{','.join(p)}" for t, p in positions.items())


def _tsvector_text_small(title_tokens: Sequence[str], body_tokens: Sequence[str]) -> str:
    """``tsvector_text`` for an article within every limit: each token with its position, in
    order (the text's longest part, built without a Python step per token).

    A lexeme may repeat: PostgreSQL's tsvector input merges the positions of a repeated
    lexeme, sorted, and keeps its first 256, which is what the loop above does by hand; the
    stored tsvector is the same.
    """
    in_title = len(title_tokens)
    end = in_title + len(body_tokens)
    if not end:
        return ""
    tokens = [*title_tokens, *body_tokens]
    joined = "".join(tokens)
    if "'" in joined or "\\" in joined:
        tokens = [_pg_escaped(t) for t in tokens]
    # Tokens and "':<position><weight> '" tails alternate; the first quote is added, the
    # last tail's " '" dropped.
    parts = tokens + tokens
    parts[0::2] = tokens
    parts[1::2] = _tails("A", 1, in_title + 1) + _tails("B", in_title + 1, end + 1)
    return "'" + "".join(parts)[:-2]


# "':<position><weight> '" for each position so far, per weight: grown to the longest article.
_TAILS: dict[str, list[str]] = {"A": [], "B": []}


def _tails(weight: str, start: int, stop: int) -> list[str]:
    table = _TAILS[weight]
    if len(table) < stop:
        # A new list, never extended in place: another thread reading the old one is unharmed.
        grown = [f"':{position}{weight} '" for position in range(len(table), stop)]
        table = _TAILS[weight] = table + grown
    return table[start:stop]
