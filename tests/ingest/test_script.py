"""Traditional and simplified Chinese find each other: one script in the index and in queries,
the article's own script kept for display (both backends)."""

from __future__ import annotations

from datetime import time

import opencc

from bot.config import Settings
from bot.ingest import ANALYZER, Document, Ingestor
from bot.ingest.index import index_tokens
from bot.store import SqlStore
from summaries.model import Topic
from tests.ingest.conftest import SEED
from tests.sources.pages import seed_articles

TO_TRADITIONAL = opencc.OpenCC("s2t")


def test_both_scripts_make_the_same_tokens() -> None:
    assert index_tokens("臺灣經濟發展") == index_tokens("台湾经济发展")
    assert index_tokens("志願服務隊") == index_tokens("志愿服务队")
    # Text that is already simplified, and other scripts, pass unchanged.
    assert index_tokens("志愿服务 iPhone 100%") == ["志愿", "服务", "iphone", "100%"]
    assert ANALYZER.normalize("經") == "经"


async def test_a_traditional_article_is_found_by_a_simplified_query_and_back(
    store: SqlStore, settings: Settings, topics: tuple[Topic, ...]
) -> None:
    article = seed_articles()[0]
    traditional_title = TO_TRADITIONAL.convert(article.title)
    traditional_body = TO_TRADITIONAL.convert("\n".join(article.paragraphs))
    assert traditional_body != "\n".join(article.paragraphs)  # the text really changed script
    ingestor = Ingestor(store, settings=settings, topics=topics)
    run = ingestor.run()
    await run.take(
        Document(
            source="tw.txt",
            text=traditional_body,
            origin="tw.example",
            title=traditional_title,
            url="https://tw.example/1",
        )
    )
    await run.finish()  # a run writes in batches
    assert run.report.added == 1, run.report
    # A simplified article of the seed page, to be found by a traditional query.
    other = seed_articles()[1]
    simple = ingestor.run()
    await simple.take(
        Document(
            source="cn.txt",
            text="\n".join(other.paragraphs),
            origin="cn.example",
            title=other.title,
            url="https://cn.example/2",
        )
    )
    await simple.finish()
    assert simple.report.added == 1, simple.report

    word = next(w for w in ("志愿服务", "志愿者", "乡村振兴", "文明") if w in article.body)
    found = await store.search(word)
    hit = next(h for h in found.hits if h.article.url == "https://tw.example/1")
    # Shown as written: traditional characters, with the matched words marked.
    assert hit.article.title == traditional_title
    assert TO_TRADITIONAL.convert(word) in hit.article.body
    assert hit.highlights

    back = await store.search(TO_TRADITIONAL.convert(other.title))
    assert any(h.article.url == "https://cn.example/2" for h in back.hits)

    # A keyword subscription in simplified characters matches the traditional article too.
    await store.ensure_chat(77, type="private", language="zh", timezone="UTC", digest_time=time(8))
    await store.add_subscription(77, "keyword", word)
    matched = await store.articles_for_chat(77, limit=10)
    assert "https://tw.example/1" in {a.url for a in matched}


def test_folding_leaves_simplified_text_as_it_is() -> None:
    # So simplified articles indexed before folding existed still meet folded queries.
    text = SEED.read_text("utf-8")
    assert opencc.OpenCC("t2s").convert(text[:2000]) == text[:2000]
