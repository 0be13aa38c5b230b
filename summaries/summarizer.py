"""The summarizer as an object: its settings (topics, digest budget, tokenizer) in one place.

Callers build one ``Summarizer`` and call ``summarize`` for every article, as jieba.analyse's
``TFIDF`` and sumy's summarizers are used.
"""

from __future__ import annotations

from collections.abc import Sequence

from summaries.model import Article, Summary, Topic
from summaries.pipeline import summarize_article
from summaries.words import Tokenizer, jieba_words


class Summarizer:
    """Digest, keywords and topic tags of articles, with one set of settings."""

    def __init__(
        self,
        *,
        topics: Sequence[Topic] = (),
        max_chars: int = 150,
        max_sentences: int = 3,
        tokenizer: Tokenizer = jieba_words,
    ) -> None:
        self.topics = tuple(topics)
        self.max_chars = max_chars
        self.max_sentences = max_sentences
        self.tokenizer = tokenizer

    def summarize(self, article: Article) -> Summary:
        """The article's digest, keywords and topics."""
        return summarize_article(
            article,
            topics=self.topics,
            max_chars=self.max_chars,
            max_sentences=self.max_sentences,
            tokenizer=self.tokenizer,
        )
