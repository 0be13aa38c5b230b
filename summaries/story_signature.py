"""What an article contributes to story grouping: a small, storable signature.

A signature holds the article's salient content words with TF-IDF weights (title and lead only:
that is where a news article says what happened, and it keeps the vector short), the character
bigrams of its title, its publication time and its length. It is computed once per article, can
be stored as JSON, and is all ``StoryIndex`` needs, so the bot can rebuild the open stories
after a restart without tokenizing anything again.

Two signatures, or a signature and a story's centroid, are compared by ``story_similarity``: a
weighted sum of the cosine of the term vectors and the cosine of the title-bigram sets. Words
catch two outlets telling the same event in their own titles; title bigrams catch named
entities that jieba splits differently and short titles with little body to go on.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import compress
from operator import add, mul, neg
from typing import Any

from summaries.chars import WORD_CHAR
from summaries.segmenter import segmenter
from summaries.text import nfkc
from summaries.words import STOP_WORDS, Tokenizer, corpus_idf, default_idf

# Tuned on story_dev.jsonl, see bench/stories.py and docs/benchmarks.md.
TITLE_WEIGHT = 3.0  # a title word counts as this many occurrences in the lead
LEAD_CHARS = 400  # how much of the body speaks for the article
MAX_TERMS = 40  # terms kept in a signature, heaviest first
TERM_SHARE = 0.2  # share of the term cosine in the similarity; the rest is title bigrams

_DIGITS = 4  # weights are rounded so a stored signature equals the one computed live
# Words a signer remembers (story words with their IDF, and the others) before it starts afresh.
MEMORY_LIMIT = 1 << 17


@dataclass(frozen=True, slots=True)
class StorySignature:
    """The storable evidence of one article for story grouping."""

    terms: tuple[tuple[str, float], ...]  # unit-length TF-IDF, heaviest first
    title_bigrams: tuple[str, ...]  # distinct, sorted
    published: datetime | None = None
    length: int = 0  # characters of body, to pick the fullest article as representative

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; ``from_json`` reads it back equal."""
        return {
            "terms": [[term, weight] for term, weight in self.terms],
            "bigrams": list(self.title_bigrams),
            "published": self.published.isoformat() if self.published else None,
            "length": self.length,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StorySignature:
        """The signature stored by ``to_json``; raises ValueError when it is not one."""
        try:
            terms = tuple((str(t), float(w)) for t, w in data["terms"])
            bigrams = tuple(str(b) for b in data["bigrams"])
            published = data.get("published")
            when = datetime.fromisoformat(published) if published else None
            length = int(data.get("length", 0))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a story signature: {exc}") from None
        return cls(terms, bigrams, when, length)


def is_story_word(token: str) -> bool:
    """A word that can tell events apart: word-like, not a stop word, two characters or a number.

    Unlike keywords, numbers and dates count: they separate one hearing, match or vote from the
    next in the same affair (17日, 306张).
    """
    return (
        (len(token) >= 2 or token.isdigit())
        and token not in STOP_WORDS
        and WORD_CHAR.search(token) is not None
    )


def title_bigrams(title: str) -> tuple[str, ...]:
    """Distinct character bigrams of a title's letters, digits and ideographs, sorted."""
    chars = WORD_CHAR.findall(nfkc(title).lower())
    return tuple(sorted(set(map(add, chars, chars[1:]))))


class _Memory(dict[str, bool]):
    """Every token a signer met: whether it is a story word (filled on first sight, so a lookup
    in C replaces the is_story_word test of every token), and each story word's IDF."""

    def __init__(self, idf: Mapping[str, float], unknown_idf: float) -> None:
        super().__init__()
        self._table = idf
        self._unknown = unknown_idf
        self.idf: dict[str, float] = {}

    def __missing__(self, token: str) -> bool:
        story = is_story_word(token)
        if story:
            # Before the mark: a thread that finds the token marked reads its IDF next.
            self.idf[token] = self._table.get(token, self._unknown)
        self[token] = story
        return story


class StorySigner:
    """Computes signatures with one tokenizer (the process's segmenter by default) and one IDF
    table (jieba's shipped one by default).

    The IDF comes from a large general corpus rather than from the articles at hand, so that a
    signature does not change as the store grows and can be stored once.
    """

    def __init__(
        self,
        *,
        tokenizer: Tokenizer | None = None,
        idf: Mapping[str, float] | None = None,
        unknown_idf: float | None = None,
        title_weight: float = TITLE_WEIGHT,
        lead_chars: int = LEAD_CHARS,
        max_terms: int = MAX_TERMS,
    ) -> None:
        # The process's segmenter (rjieba when installed) by default: jieba's own Python cutter
        # was half the cost of preparing an article; both cut with the same dictionary.
        self.tokenizer = tokenizer if tokenizer is not None else segmenter().words
        self.idf = corpus_idf() if idf is None else idf
        self.unknown_idf = default_idf() if unknown_idf is None else unknown_idf
        self.title_weight = title_weight
        self.lead_chars = lead_chars
        self.max_terms = max_terms

        self._memory = _Memory(self.idf, self.unknown_idf)

    def _fresh_memory(self) -> _Memory:
        # Bounded: starts afresh between signatures, with a new object, so that a signature
        # being computed in another thread keeps the one it holds.
        if len(self._memory) >= MEMORY_LIMIT:
            self._memory = _Memory(self.idf, self.unknown_idf)
        return self._memory

    def _words(self, text: str, memory: _Memory) -> list[str]:
        """The story words of ``text``, in order; ``memory.idf`` then holds each one's IDF."""
        tokens = self.tokenizer(nfkc(text).lower())
        return list(compress(tokens, map(memory.__getitem__, tokens)))

    def sign(self, title: str, text: str, published: datetime | None = None) -> StorySignature:
        """The signature of an article from its title, body and publication time."""
        memory = self._fresh_memory()
        counts: dict[str, float] = dict(Counter(self._words(text[: self.lead_chars], memory)))
        for word in self._words(title, memory):
            counts[word] = counts.get(word, 0.0) + self.title_weight
        # Heaviest first, ties by word: sorting (-weight, word) pairs compares them in C, and
        # (-n) * idf is -(n * idf) exactly.
        weights = map(mul, map(neg, counts.values()), map(memory.idf.__getitem__, counts))
        ranked = sorted(zip(weights, counts, strict=True))[: self.max_terms]
        top = [(w, -v) for v, w in ranked]
        length = math.sqrt(sum(w * w for _, w in top)) or 1.0
        terms = tuple((w, round(v / length, _DIGITS)) for w, v in top)
        return StorySignature(terms, title_bigrams(title), published, len(text))


def cosine(a: Mapping[str, float], b: Mapping[str, float], b_norm: float) -> float:
    """Cosine of sparse vector ``a`` (unit length) and ``b`` of length ``b_norm``."""
    if len(a) > len(b):
        a, b = b, a
    dot = sum(w * b[t] for t, w in a.items() if t in b)
    return dot / b_norm if b_norm else 0.0


def bigram_cosine(
    bigrams: tuple[str, ...], counts: Mapping[str, float], counts_norm: float
) -> float:
    """Cosine of a title's bigram set and a (summed) bigram count vector."""
    if not bigrams or not counts_norm:
        return 0.0
    dot = sum(counts.get(b, 0.0) for b in bigrams)
    return dot / (math.sqrt(len(bigrams)) * counts_norm)


def story_similarity(
    a: StorySignature, b: StorySignature, *, term_share: float = TERM_SHARE
) -> float:
    """Similarity of two articles in [0, 1]: the score ``StoryIndex`` uses against a centroid."""
    terms_b = dict(b.terms)
    term_part = cosine(dict(a.terms), terms_b, math.sqrt(sum(w * w for w in terms_b.values())))
    counts = dict.fromkeys(b.title_bigrams, 1.0)
    title_part = bigram_cosine(a.title_bigrams, counts, math.sqrt(len(counts)))
    return term_share * term_part + (1.0 - term_share) * title_part


def timestamp(when: datetime) -> float:
    """Seconds since the epoch; a naive time is taken as UTC."""
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
