"""Word weights: which tokens are content words, and their IDF, remembered per owner.

A content word is a token that carries meaning: two or more characters (or a number), not a stop
word, holding a letter, a digit or an ideograph. Its weight is its IDF in jieba's corpus table
(unknown words at the table's median). Sentence vectors, keywords and clause worth all weigh
tokens this way, so one ``ContentWeights`` per summarizer remembers the answer for every token it
has met: membership in its table of content words, or in its set of other tokens, replaces a
regex, a stop-word test and an IDF lookup per token, and lets C-level ``filter`` pick the content
words of a run of tokens.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from summaries.chars import WORD_CHAR
from summaries.words import STOP_WORDS, corpus_idf, default_idf

Vector = dict[str, float]

# Tokens remembered (content words and others together) before the memory starts afresh.
CACHE_LIMIT = 1 << 17


def is_content_word(token: str) -> bool:
    """Word-like, not a stop word, and not a single character unless it is a digit."""
    return (
        (len(token) >= 2 or token.isdigit())
        and token not in STOP_WORDS
        and WORD_CHAR.search(token) is not None
    )


def content_words(tokens: Sequence[str]) -> list[str]:
    """The tokens that carry meaning, in order (see ``is_content_word``)."""
    return [t for t in tokens if is_content_word(t)]


def weighted_vector(tokens: Iterable[str], weights: Mapping[str, float]) -> Vector:
    """TF-IDF vector of the tokens found in ``weights`` (a ``ContentWeights`` table), in order."""
    # Count first, then multiply once, so each weight is exactly tfidf_vector's n * idf; Counter
    # counts in C and keeps first-seen order.
    counts = Counter(filter(weights.__contains__, tokens))
    return {token: n * weights[token] for token, n in counts.items()}


class ContentWeights:
    """The IDF of every content word met so far, by token; other tokens are remembered too.

    Not thread-safe: its owner serializes the calls (``Summarizer`` holds a lock).
    """

    def __init__(self, *, limit: int | None = None) -> None:
        self._limit = CACHE_LIMIT if limit is None else limit
        self._content: dict[str, float] = {}
        self._other: set[str] = set()

    def forget_if_full(self) -> None:
        """Start afresh when the memory holds ``limit`` tokens or more, so it stays bounded.

        Call it between articles, never during one: the table handed out for an article must
        keep every token that article met.
        """
        if len(self._content) + len(self._other) >= self._limit:
            # New objects rather than cleared ones: a caller may still hold the old table.
            self._content, self._other = {}, set()

    @property
    def table(self) -> Mapping[str, float]:
        """The content words met so far (since the memory last started afresh), with their IDF."""
        return self._content

    def update(self, tokens: Iterable[str]) -> Mapping[str, float]:
        """The table of content words, now holding every content word among ``tokens``."""
        content, other = self._content, self._other
        # One table at a time: difference() with several arguments walks each table whole.
        unseen = set(tokens).difference(content).difference(other)
        if unseen:
            idf, unknown = corpus_idf(), default_idf()
            search = WORD_CHAR.search
            for token in unseen:
                # is_content_word inlined: this loop runs for every new token.
                if (
                    (len(token) >= 2 or token.isdigit())
                    and token not in STOP_WORDS
                    and search(token) is not None
                ):
                    content[token] = idf.get(token, unknown)
                else:
                    other.add(token)
        return content

    def vector(self, tokens: Sequence[str]) -> Vector:
        """TF-IDF vector of the content words among ``tokens``, in first-seen order."""
        return weighted_vector(tokens, self.update(tokens))
