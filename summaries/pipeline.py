"""One call from an article to its summary: digest, keywords and topics.

The body is tokenized once; the same tokens feed sentence ranking and keyword extraction, so the
whole summary costs little more than one jieba pass over the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

from summaries.digest import candidates_for, choose
from summaries.keywords import keywords_from_tokens
from summaries.model import Article, Summary, Topic
from summaries.rank import content_table, content_vector
from summaries.topics import tag_topics
from summaries.words import Tokenizer, jieba_words

KEYWORDS = 8


def summarize_article(
    article: Article,
    *,
    topics: Sequence[Topic] = (),
    max_chars: int = 150,
    max_sentences: int = 3,
    tokenizer: Tokenizer = jieba_words,
) -> Summary:
    """Digest, keywords and topic tags of one article, tokenizing its text once."""
    table = content_table()
    candidates = candidates_for(article, tokenizer)
    title_tokens = list(tokenizer(article.title)) if article.title else []
    title = content_vector(title_tokens)
    # Every token of the candidates and the title went through content_weights above; unless
    # the table was reset meanwhile (it is then another object), it already holds all the
    # weights the keywords need, so they are not looked up a second time.
    seen = content_table()
    digest = choose(
        candidates, title, max_chars=max_chars, max_sentences=max_sentences, tokenizer=tokenizer
    )
    keywords = keywords_from_tokens(
        chain.from_iterable(c.tokens for c in candidates),
        title_tokens=title_tokens,
        top_k=KEYWORDS,
        weights=seen if seen is table else None,
    )
    return Summary(
        digest=digest,
        keywords=keywords,
        topics=tag_topics(article, topics, keywords=keywords),
    )
