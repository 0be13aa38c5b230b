"""The pipeline: a raw document becomes prepared articles, ready for the writer.

Each article of a document gets its digest, keywords and topics (``summaries.Summarizer``),
its news category (``summaries.CategoryModel``, reading the title and the start of the body),
a content hash for exact duplicates, its index tokens (the analyzer of bot.ingest.index) and
a SimHash fingerprint over its body tokens for near duplicates, and its story signature (JSON
text, summaries.story_signature) for grouping reports of one event. Pure CPU work: callers run
it in a thread.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

from bot.sources.documents import Document
from bot.store import Analyzer
from bot.store.records import NewArticle
from summaries import CategoryModel, Summarizer, article_from_text, split_page
from summaries.model import Article
from summaries.similarity import simhash
from summaries.story_signature import StorySigner
from summaries.text import nfkc

# json.dumps(..., ensure_ascii=False) without making an encoder per call; a signature's JSON is
# never circular, so the check for it is left out (the text is the same).
_SIGNATURE_JSON = json.JSONEncoder(ensure_ascii=False, check_circular=False)


class Refused(Exception):
    """A document with nothing to store; the message is the reason shown to the operator."""


def content_hash(title: str, body: str) -> str:
    """sha256 of the normalized title and body: the same article twice hashes the same.

    The normalization (NFKC, runs of whitespace as one space) is the stored hashes' own; the
    search normalization (which also lower-cases) would change the hash of existing rows.
    """

    def normal(text: str) -> str:
        # str.split's whitespace is the regex ``\s``'s (both are str.isspace): the same as
        # replacing runs of ``\s`` by one space and stripping, at a fraction of the cost.
        return " ".join(nfkc(text).split())

    return hashlib.sha256(f"{normal(title)}\n{normal(body)}".encode()).hexdigest()


def articles_in(text: str) -> list[Article]:
    """The articles of a page dump, or the whole text as one plain article."""
    found = [a for a in split_page(text) if a.body.strip()]
    if found:
        return found
    plain = article_from_text(text)
    return [plain] if plain.body.strip() else []


class ArticlePipeline:
    """Turns documents into prepared articles with one summarizer, one category model (the
    shipped one by default) and one analyzer."""

    def __init__(
        self,
        summarizer: Summarizer,
        analyzer: Analyzer,
        *,
        categories: CategoryModel | None = None,
        signer: StorySigner | None = None,
    ) -> None:
        self.summarizer = summarizer
        self.analyzer = analyzer
        self.categories = categories if categories is not None else CategoryModel()
        # The same signer as ``python -m summaries --stories`` (jieba's IDF table), cutting
        # words with the summarizer's tokenizer: the bot groups stories as the command line does.
        if signer is None:
            signer = StorySigner(tokenizer=summarizer.tokenizer)
        self.signer = signer

    def articles(self, document: Document) -> list[Article]:
        """The articles a document holds; Refused when it holds none."""
        if document.page_dump:
            found = articles_in(document.text)
        else:
            article = article_from_text(document.text, title=document.title)
            if document.author and not article.authors:
                article = dataclasses.replace(article, authors=(document.author,))
            found = [article] if article.paragraphs else []
        if not found:
            raise Refused("no article text found")
        return found

    def prepare(self, document: Document) -> list[NewArticle]:
        """Every article of ``document``, summarized, hashed and tokenized; Refused if none."""
        return [self.prepare_article(a, document) for a in self.articles(document)]

    def prepare_article(self, article: Article, document: Document) -> NewArticle:
        """One article with its digest, keywords, topics, category, hashes and index tokens."""
        summary = self.summarizer.summarize(article)
        body = article.body
        # The title and the first LEAD_CHARS of the body: what transferred best from the
        # headlines the model learnt from (docs/benchmarks.md, "News categories").
        category = self.categories.classify(article.title, body)
        body_tokens = tuple(self.analyzer.tokens(body))
        signature = self.signer.sign(article.title, body, document.published_at)
        return NewArticle(
            title=article.title,
            body=body,
            digest=summary.digest,
            keywords=summary.keywords,
            topics=summary.topics,
            source=document.origin,
            content_hash=content_hash(article.title, body),
            subtitle=article.subtitle,
            authors=article.authors,
            kind=article.kind,
            url=document.url,
            published_at=document.published_at,
            fingerprint=simhash(body_tokens),
            category=category.slug,
            category_confidence=category.confidence,
            category_second=category.second[0] if category.second else None,
            feed_url=document.feed,
            story_signature=_SIGNATURE_JSON.encode(signature.to_json()),
            title_tokens=tuple(self.analyzer.tokens(article.title)),
            body_tokens=body_tokens,
        )
