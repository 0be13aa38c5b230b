"""Search tokens: the one tokenization shared by indexing, queries and keyword subscriptions.

Indexing and querying must agree token for token, so both go through ``search_tokens`` with
the same segmenter (``summaries.segmenter``). Tokens come from its search mode (jieba's
``cut_for_search``, which also emits the shorter words inside long ones, so 志愿服务队 is found
by 志愿 and by 服务), after NFKC normalization and lower-casing.
Punctuation, whitespace and symbols are dropped; what is left is letters, digits and CJK.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from summaries.chars import WORD_CHAR, has_words
from summaries.segmenter import Segmenter, segmenter
from summaries.text import nfkc

# Characters that are never part of a token (control characters are dropped before jieba).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Raw tokens remembered (see _Kept) before the memory starts afresh.
_KEPT_LIMIT = 1 << 17


class _Kept(dict[str, str]):
    """A raw token of the segmenter -> the search token it gives: itself without surrounding
    whitespace, or "" when nothing word-like is left. Filled on first sight of each token, so
    a lookup in C replaces a strip and a regex search per token."""

    def __missing__(self, token: str) -> str:
        stripped = token.strip()
        kept = self[token] = stripped if stripped and WORD_CHAR.search(stripped) else ""
        return kept


_KEPT = _Kept()


def normalize_query_text(text: str) -> str:
    """NFKC-normalize (full-width to half-width), lower-case Latin and drop control characters."""
    return _CONTROL.sub(" ", nfkc(text)).lower()


def is_wordlike(token: str) -> bool:
    """True for a token worth indexing: it holds a letter, a digit or an ideograph."""
    return has_words(token)


def search_tokens(text: str, words: Segmenter | None = None) -> list[str]:
    """Tokens of ``text`` for the full-text index and for queries, in order, repeats kept.

    ``words`` is the segmenter (the process default, ``segmenter()``, when not given); long
    runs are cut into pieces by it, as for the digests.
    """
    cut = (words or segmenter()).search_words
    if len(_KEPT) >= _KEPT_LIMIT:
        _KEPT.clear()  # a lookup meanwhile in another thread only finds its token again
    # C-level calls only: this runs over every word of every article.
    return list(filter(None, map(_KEPT.__getitem__, cut(normalize_query_text(text)))))


def unique_tokens(tokens: Iterable[str]) -> list[str]:
    """The distinct tokens in first-seen order."""
    return list(dict.fromkeys(tokens))
