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


def keywords_from_tokens(
    tokens: Iterable[str], *, title_tokens: Iterable[str] = (), top_k: int = 8
) -> tuple[str, ...]:
    """The ``top_k`` keywords of already tokenized text (and title), best first."""
    if top_k < 1:
        return ()
    counts: Counter[str] = Counter(tokens)
    for token in title_tokens:
        counts[token] += TITLE_BOOST
    idf = corpus_idf()
    unknown = default_idf()
    scored = [
        (-(n * idf.get(word, unknown)), rank, word)
        for rank, (word, n) in enumerate(counts.items())
        if is_keyword_candidate(word)
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
