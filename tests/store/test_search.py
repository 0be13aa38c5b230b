"""Contract: full-text search over jieba tokens, ranking, snippets and hostile input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.ingest import ANALYZER
from bot.store import SqlStore
from bot.store.fulltext import MAX_QUERY_TOKENS, query_tokens
from summaries.tokens import normalize_query_text, search_tokens
from tests.store.corpus import make_article, seed_articles, seed_paragraphs


def _paragraph_with(word: str, count: int) -> str:
    found = [p for p in seed_paragraphs() if p.count(word) == count]
    assert found, f"the seed page has no paragraph with {word} exactly {count} times"
    return found[0]


def _paragraphs_without(word: str, n: int) -> list[str]:
    found = [p for p in seed_paragraphs() if word not in p]
    assert len(found) >= n
    return found[:n]


async def _ids(store: SqlStore, query: str, limit: int = 50) -> list[int]:
    return [hit.article.id for hit in (await store.search(query, limit=limit)).hits]


async def test_finds_seed_articles_by_word(store: SqlStore) -> None:
    await store.add_articles(seed_articles())
    result = await store.search("格尔木")
    assert result.reason is None and result.tokens == ("格尔木",)
    assert result.hits, "an article about 格尔木 is on the seed page"
    assert result.hits[0].article.title.startswith("青海省格尔木市")
    assert result.total == len(result.hits)
    for hit in result.hits:
        assert "格尔木" in hit.article.title + hit.article.body


async def test_every_query_word_is_required(store: SqlStore) -> None:
    await store.add_articles(seed_articles())
    with_both = await _ids(store, "格尔木 志愿")
    only_first = await _ids(store, "格尔木")
    assert set(with_both) <= set(only_first)
    for hit in (await store.search("漯河 志愿者")).hits:
        text = hit.article.title + hit.article.body
        assert "漯河" in text and "志愿者" in text
    # Two words that never meet in one article: nothing.
    assert await _ids(store, "格尔木 漯河市市场监督管理局") == []


async def test_no_prefix_matching_but_sub_words_are_indexed(store: SqlStore) -> None:
    await store.add_articles(seed_articles())
    every_token = {
        t for a in seed_articles() for t in search_tokens(a.title) + search_tokens(a.body)
    }
    assert "漯" not in every_token and "漯河" in every_token
    assert await _ids(store, "漯") == []  # a prefix alone matches nothing
    # 志愿 finds articles that only say 志愿者 or 志愿服务: cut_for_search indexed 志愿 inside.
    volunteer = await _ids(store, "志愿")
    expected = [a for a in await store.latest_articles(limit=50) if "志愿" in a.title + a.body]
    assert set(volunteer) == {a.id for a in expected}


async def test_title_match_ranks_above_body_match(store: SqlStore) -> None:
    fillers = [make_article(f"其他{i}", p) for i, p in enumerate(_paragraphs_without("格尔木", 6))]
    in_body = make_article("丰富载体 凝心铸魂", _paragraph_with("格尔木", 1))
    in_title = make_article(
        "青海省格尔木市：绽放文明花 结出富裕果", _paragraphs_without("格尔木", 8)[7]
    )
    # The body match is inserted later (and so is newer) to show the title is what wins.
    await store.add_articles([*fillers, in_title])
    await store.add_articles([in_body])
    hits = (await store.search("格尔木")).hits
    assert [hit.article.title for hit in hits] == [in_title.title, in_body.title]
    assert hits[0].score > hits[1].score


async def test_newer_first_when_scores_tie(store: SqlStore) -> None:
    body = _paragraph_with("志愿者", 1)
    fillers = [make_article(f"其他{i}", p) for i, p in enumerate(_paragraphs_without("志愿", 4))]
    newer = make_article("甲", body, published_at=datetime(2021, 7, 12, tzinfo=UTC))
    older = make_article("乙", body, published_at=datetime(2021, 7, 1, tzinfo=UTC))
    # Newer inserted first, so id order alone would put it last.
    await store.add_articles([*fillers, newer, older])
    hits = (await store.search("志愿者")).hits
    assert [hit.article.title for hit in hits] == ["甲", "乙"]
    assert hits[0].score == pytest.approx(hits[1].score)


async def test_paging_and_total(store: SqlStore) -> None:
    await store.add_articles(seed_articles())
    everything = await _ids(store, "文明")
    assert len(everything) >= 3
    page = await store.search("文明", limit=2, offset=1)
    assert [hit.article.id for hit in page.hits] == everything[1:3]
    assert page.total == len(everything)
    beyond = await store.search("文明", limit=2, offset=len(everything))
    assert beyond.hits == () and beyond.total == len(everything)


async def test_snippet_marks_the_matched_words(store: SqlStore) -> None:
    await store.add_articles(seed_articles())
    result = await store.search("志愿者 党员")
    assert result.hits
    for hit in result.hits:
        assert hit.snippet and hit.highlights
        for start, end in hit.highlights:
            marked = normalize_query_text(hit.snippet[start:end])
            assert any(token in marked for token in result.tokens), marked
        assert all(a[1] <= b[0] for a, b in zip(hit.highlights, hit.highlights[1:], strict=False))


async def test_full_width_and_case_fold_like_the_index(store: SqlStore) -> None:
    await store.add_articles(seed_articles())
    plain = await _ids(store, "100%")
    assert plain, "the seed page says 注册志愿者达到100%"
    assert await _ids(store, "１００％") == plain


async def test_blank_and_tokenless_queries_say_why(store: SqlStore) -> None:
    await store.add_articles(seed_articles())
    blank = await store.search(" \t\n ")
    assert blank.hits == () and blank.reason == "empty_query"
    emoji = await store.search("😀🎉 ？！")
    assert emoji.hits == () and emoji.reason == "no_tokens"


def test_long_queries_keep_a_bounded_number_of_tokens() -> None:
    text = "".join(seed_paragraphs())[:1500]
    tokens = query_tokens(text, ANALYZER)
    assert len(tokens) == MAX_QUERY_TOKENS
    assert len(set(tokens)) == len(tokens)


HOSTILE = [
    '"',
    '"志愿',
    '志愿 "党建',
    "志愿 OR 党建",
    "志愿 AND 党建",
    "NOT 志愿",
    "志愿 NOT 党建",
    "NEAR(志愿 党建)",
    "志愿 NEAR/2 党建",
    "志愿*",
    "^志愿",
    "title:志愿",
    "body:志愿 OR title:格尔木",
    "-志愿",
    "志愿 -党建",
    "志愿 & 党建 | !文明",
    "志愿:* <-> 党建",
    "'; DROP TABLE articles; --",
    "1' OR '1'='1",
    "志愿') OR 1=1 --",
    "%_% \\ \\\\",
    "(){}[]",
    "志愿\x00党建",
    "😀🎉",
    "志愿😀👍🏽",
    "a" * 1200,
    "志愿服务" * 300,
    " \t\n ",
]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
async def test_hostile_query_is_plain_words_and_harmless(store: SqlStore, query: str) -> None:
    await store.add_articles(seed_articles())
    count = await store.count_articles()
    baseline = await _ids(store, "志愿者")
    result = await store.search(query, limit=50)
    if not query.strip():
        assert result.reason == "empty_query"
    elif not query_tokens(query, ANALYZER):
        assert result.reason == "no_tokens" and result.hits == ()
    else:
        # The meaning is exactly "all these words": operators and quotes did nothing.
        assert result.tokens == query_tokens(query, ANALYZER)
        plain = " ".join(result.tokens)
        assert [hit.article.id for hit in result.hits] == await _ids(store, plain)
        for hit in result.hits:
            tokens = set(search_tokens(hit.article.title) + search_tokens(hit.article.body))
            assert set(result.tokens) <= tokens
    assert await store.count_articles() == count
    assert await _ids(store, "志愿者") == baseline and baseline


async def test_ranking_is_among_the_newest_matches_and_total_counts_all(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the RANK_CANDIDATES most recently stored matches are ranked (docs/search.md); a
    # bound of 3 shows the trade-off on a handful of articles.
    from bot.store import search as search_module

    monkeypatch.setattr(search_module, "RANK_CANDIDATES", 3)
    in_title = make_article(
        "青海省格尔木市：绽放文明花 结出富裕果", _paragraphs_without("格尔木", 1)[0]
    )
    body = _paragraph_with("格尔木", 1)
    in_body = [make_article(f"其他{i}", body + "。" * (i + 1)) for i in range(4)]
    await store.add_articles([in_title])
    await store.add_articles(in_body)
    result = await store.search("格尔木", limit=10)
    assert result.total == 5 and not result.total_is_estimate
    # Paging reaches only the ranked matches.
    assert result.ranked == 3
    # The oldest match is left out although its title matches; the three newest are ranked.
    assert [hit.article.title for hit in result.hits] == ["其他3", "其他2", "其他1"]
    beyond = await store.search("格尔木", limit=10, offset=3)
    assert beyond.hits == () and beyond.total == 5
    monkeypatch.setattr(search_module, "RANK_CANDIDATES", 10)
    assert (await store.search("格尔木")).hits[0].article.title == in_title.title


async def test_postgresql_walk_for_common_words_finds_the_same_hits(
    store: SqlStore, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # For words that ANALYZE says most articles hold, PostgreSQL walks the newest articles
    # instead of the GIN index; the hits must be the same and the total an estimate.
    if backend != "postgresql":
        pytest.skip("the walk is PostgreSQL's plan for very common words")
    import sqlalchemy as sa

    from bot.store import search as search_module
    from bot.store.lexeme_stats import lexeme_stats

    await store.add_articles(seed_articles())
    async with store.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(sa.text("ANALYZE articles_fts"))
    async with store.engine.connect() as conn:
        assert (await lexeme_stats(conn)).share(("志愿",)) > 0, "ANALYZE lists 志愿 as common"
    monkeypatch.setattr(search_module, "WALK_SHARE", 2.0)  # never: the GIN path, exact count
    exact = await store.search("志愿", limit=50)
    assert exact.hits and exact.total == len(exact.hits) and not exact.total_is_estimate
    monkeypatch.setattr(search_module, "WALK_SHARE", 1e-9)
    walked = await store.search("志愿", limit=50)
    assert [hit.article.id for hit in walked.hits] == [hit.article.id for hit in exact.hits]
    assert [hit.snippet for hit in walked.hits] == [hit.snippet for hit in exact.hits]
    assert walked.total >= len(walked.hits) and walked.total_is_estimate
