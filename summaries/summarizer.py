"""The summarizer: from an article to its digest, keywords and topics, with one set of settings.

Callers build one ``Summarizer`` and call ``summarize`` for every article, as jieba.analyse's
``TFIDF`` and sumy's summarizers are used. The object owns all the state the work needs: its
tokenizer, its topics with their compiled matchers, and its memory of word weights. The one thing
instances share is jieba's IDF table, loaded once on first use and read-only
(``summaries.words.corpus_idf``). Two summarizers with different settings give, in the same
process, what each would give alone.

The body is tokenized once; the same tokens feed sentence ranking and keyword extraction, so the
whole summary costs little more than one tokenizer pass over the text.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from itertools import chain

from summaries.digest import candidates_for, choose
from summaries.keywords import keywords_from_tokens
from summaries.model import Article, Summary, Topic
from summaries.pages import MAX_TITLE_CHARS
from summaries.segmenter import segmenter
from summaries.topics import TopicTagger
from summaries.weights import ContentWeights
from summaries.words import Tokenizer

KEYWORDS = 8


class Summarizer:
    """Digest, keywords and topic tags of articles, with one set of settings.

    Safe to share between threads: ``summarize`` calls on one instance take turns.
    """

    def __init__(
        self,
        *,
        topics: Sequence[Topic] = (),
        max_chars: int = 150,
        max_sentences: int = 3,
        tokenizer: Tokenizer | None = None,
    ) -> None:
        """``tokenizer`` cuts text into words: the process default segmenter's ``words``
        (``summaries.segmenter``: rjieba when installed, else jieba) when not given."""
        self._tagger = TopicTagger(topics)
        self._max_chars = max_chars
        self._max_sentences = max_sentences
        self._tokenizer = tokenizer if tokenizer is not None else segmenter().words
        self._weights = ContentWeights()
        self._lock = threading.Lock()

    @property
    def topics(self) -> tuple[Topic, ...]:
        """The topics articles are tagged with."""
        return self._tagger.topics

    @property
    def max_chars(self) -> int:
        """The digest budget in characters."""
        return self._max_chars

    @property
    def max_sentences(self) -> int:
        """The most sentences a digest takes."""
        return self._max_sentences

    @property
    def tokenizer(self) -> Tokenizer:
        """The callable that cuts text into words."""
        return self._tokenizer

    def summarize(self, article: Article) -> Summary:
        """The article's digest, keywords and topics."""
        with self._lock:
            return self._summarize(article)

    def _summarize(self, article: Article) -> Summary:
        if len(article.title) > MAX_TITLE_CHARS:
            # As article_from_text cuts it: a runaway title must not cost like a body.
            article = replace(article, title=article.title[:MAX_TITLE_CHARS])
        tokenize, weights = self._tokenizer, self._weights
        # Bounded memory: it may start afresh between articles, never during one, so the table
        # below keeps every token of this article until its keywords are counted.
        weights.forget_if_full()
        candidates = candidates_for(article, tokenize, weights)
        title_tokens = list(tokenize(article.title)) if article.title else []
        title = weights.vector(title_tokens)
        digest = choose(
            candidates,
            title,
            max_chars=self._max_chars,
            max_sentences=self._max_sentences,
            tokenizer=tokenize,
            weights=weights,
        )
        keywords = keywords_from_tokens(
            chain.from_iterable(c.tokens for c in candidates),
            title_tokens=title_tokens,
            top_k=KEYWORDS,
            weights=weights.table,
        )
        return Summary(
            digest=digest,
            keywords=keywords,
            topics=self._tagger.tag(article, keywords=keywords),
        )
