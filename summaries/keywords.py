"""Keywords: TF-IDF over jieba words with the IDF table jieba fits on its corpus.

The method is jieba.analyse's TF-IDF extractor (term frequency times corpus IDF, unknown words
at the median IDF) with two departures: words of the title count as if they occurred twice
more, and numbers, single characters and stop words are never keywords. Ties keep the order in
which words first appear, so the result is deterministic.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import chain
from operator import mul

from summaries.text import clean_text
from summaries.weights import ContentWeights
from summaries.words import Tokenizer, is_keyword_candidate, jieba_words

TITLE_BOOST = 2


def keywords_from_tokens(
    tokens: Iterable[str],
    *,
    title_tokens: Iterable[str] = (),
    top_k: int = 8,
    weights: Mapping[str, float] | None = None,
) -> tuple[str, ...]:
    """The ``top_k`` keywords of already tokenized text (and title), best first.

    ``weights`` may be a ``ContentWeights`` table that has already seen every token and title
    token; it is then used as is instead of being looked up again.
    """
    if top_k < 1:
        return ()
    words = tokens if isinstance(tokens, list | tuple) else list(tokens)
    title = list(title_tokens)
    # Every keyword candidate is a content word with the same IDF (see is_keyword_candidate and
    # summaries.weights), so the content-word table both filters and weighs, in C.
    if weights is None:
        weights = ContentWeights().update(chain(words, title))
    counts: Counter[str] = Counter(filter(weights.__contains__, words))
    for token in title:
        if token in weights:
            counts[token] += TITLE_BOOST
    scores = list(map(mul, counts.values(), map(weights.__getitem__, counts)))
    # Best score first; a stable sort keeps ties in first-seen order.
    order = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)
    vocabulary = list(counts)
    out: list[str] = []
    for i in order:
        word = vocabulary[i]
        if is_keyword_candidate(word):
            out.append(word)
            if len(out) == top_k:
                break
    return tuple(out)


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
