"""Keywords: TF-IDF over jieba words with the IDF table jieba fits on its corpus.

The method is jieba.analyse's TF-IDF extractor (term frequency times corpus IDF, unknown words
at the median IDF) with two departures: words of the title count as if they occurred twice
more, and numbers, single characters and stop words are never keywords. Ties keep the order in
which words first appear, so the result is deterministic.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from summaries.text import clean_text
from summaries.words import Tokenizer, corpus_idf, default_idf, is_keyword_candidate, jieba_words

TITLE_BOOST = 2

# Word -> its IDF when it can be a keyword, -1.0 when it cannot: one dict lookup per distinct
# word instead of the candidate test and the IDF lookup. Cleared when full, so memory stays flat.
_KEYWORD_IDF: dict[str, float] = {}
_KEYWORD_IDF_LIMIT = 1 << 17


def _keyword_idf(word: str) -> float:
    value = corpus_idf().get(word, default_idf()) if is_keyword_candidate(word) else -1.0
    _KEYWORD_IDF[word] = value
    return value


def keywords_from_tokens(
    tokens: Iterable[str], *, title_tokens: Iterable[str] = (), top_k: int = 8
) -> tuple[str, ...]:
    """The ``top_k`` keywords of already tokenized text (and title), best first."""
    if top_k < 1:
        return ()
    counts: Counter[str] = Counter(tokens)
    for token in title_tokens:
        counts[token] += TITLE_BOOST
    if len(_KEYWORD_IDF) >= _KEYWORD_IDF_LIMIT:
        _KEYWORD_IDF.clear()
    # Weights of all distinct words in one C-level pass; only the unseen ones are worked out.
    cached = list(map(_KEYWORD_IDF.get, counts))
    weights: list[float] = [
        _keyword_idf(w) if x is None else x for w, x in zip(counts, cached, strict=True)
    ]
    scored = [
        (-(n * weight), rank, word)
        for rank, ((word, n), weight) in enumerate(zip(counts.items(), weights, strict=True))
        if weight >= 0.0
    ]
    scored.sort()
    return tuple(word for _, _, word in scored[:top_k])


def extract_keywords(
    text: str, *, title: str = "", top_k: int = 8, tokenizer: Tokenizer = jieba_words
) -> tuple[str, ...]:
    """The ``top_k`` keywords of ``text`` (title words weigh more), best first."""
    body = clean_text(text)
    head = clean_text(title)
    return keywords_from_tokens(
        tokenizer(body) if body else (),
        title_tokens=tokenizer(head) if head else (),
        top_k=top_k,
    )
