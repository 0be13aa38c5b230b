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
    holds_words = WORD_CHAR.search
    # One comprehension over C-level calls: this runs over every word of every article.
    return [t for t in map(str.strip, cut(normalize_query_text(text))) if t and holds_words(t)]


def unique_tokens(tokens: Iterable[str]) -> list[str]:
    """The distinct tokens in first-seen order."""
    return list(dict.fromkeys(tokens))
