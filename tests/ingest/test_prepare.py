"""The pipeline: what a prepared article carries, and hashes that match the stored ones."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import pytest

from bot.ingest import ANALYZER, ArticlePipeline, Document, Refused, content_hash
from summaries import Summarizer, split_page
from summaries.model import Article, Topic
from summaries.similarity import simhash
from summaries.tokens import search_tokens
from tests.ingest.conftest import SEED


def _pipeline(topics: tuple[Topic, ...]) -> ArticlePipeline:
    return ArticlePipeline(Summarizer(topics=topics, max_chars=80, max_sentences=2), ANALYZER)


def test_a_page_dump_gives_every_article_summarized_hashed_and_tokenized(
    topics: tuple[Topic, ...],
) -> None:
    text = SEED.read_text(encoding="utf-8")
    document = Document(source="seed.txt", text=text, origin="seeds/seed.txt", page_dump=True)
    prepared = _pipeline(topics).prepare(document)
    articles = split_page(text)
    assert [p.title for p in prepared] == [a.title for a in articles]
    one, article = prepared[1], articles[1]
    assert one.body == article.body and one.source == "seeds/seed.txt"
    assert 1 <= len(one.digest) <= 2 and all(s in article.body for s in one.digest)
    assert one.title_tokens == tuple(search_tokens(article.title))
    assert one.body_tokens == tuple(search_tokens(article.body))
    assert one.fingerprint == simhash(search_tokens(article.body))
    assert one.content_hash == content_hash(article.title, article.body)


def test_a_web_document_is_one_article_with_its_url_and_author(
    topics: tuple[Topic, ...],
) -> None:
    body = split_page(SEED.read_text(encoding="utf-8"))[1].body
    document = Document(
        source="https://example.org/a",
        text=body,
        origin="example.org",
        title="标题",
        author="记者 甲",
        url="https://example.org/a",
    )
    (one,) = _pipeline(topics).prepare(document)
    assert (one.title, one.url, one.authors, one.source) == (
        "标题",
        "https://example.org/a",
        ("记者 甲",),
        "example.org",
    )


def test_a_document_without_text_is_refused(topics: tuple[Topic, ...]) -> None:
    with pytest.raises(Refused, match="no article text found"):
        _pipeline(topics).prepare(Document(source="x", text="  \n ", origin="x"))


def test_content_hash_is_the_one_stored_rows_carry() -> None:
    # Computed by the code that stored the existing rows: the hash must not change under them.
    title, body = "Ｗenzhai 文摘 ", "Body  TEXT\u3000全角\n第二段\x01"
    assert content_hash(title, body) == (
        "60fcb35444c7da466ca1d98a9315f7b99a172006186e3c77cf82092d826676b0"
    )
    # Width and spacing differences do not make a different article.
    article = split_page(SEED.read_text(encoding="utf-8"))[1]
    spaced = Article(title=" " + article.title + " ", paragraphs=article.paragraphs)
    assert content_hash(spaced.title, spaced.body) == content_hash(article.title, article.body)
    other = Article(title=article.title, paragraphs=article.paragraphs[1:])
    assert content_hash(other.title, other.body) != content_hash(article.title, article.body)


@pytest.mark.parametrize("space", [" ", "\t", "\x0b", "\x1c", "\x1f", "\x85", "\u2028", "\u3000"])
def test_content_hash_collapses_whatever_the_regex_space_class_holds(space: str) -> None:
    """The stored rows' normalization: runs of ``\\s`` as one space, stripped (after NFKC)."""
    title, body = f"{space}标题{space}{space}A", f"正文{space}\n{space}第二段{space}"
    normal = [re.sub(r"\s+", " ", unicodedata.normalize("NFKC", t)).strip() for t in (title, body)]
    expected = hashlib.sha256("\n".join(normal).encode()).hexdigest()
    assert content_hash(title, body) == expected
