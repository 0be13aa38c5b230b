"""The segmenter: one object for digests and search, rjieba or jieba, long runs bounded."""

from __future__ import annotations

import logging

import pytest

from summaries import Article, Summarizer
from summaries import segmenter as segmenter_module
from summaries import tokens as tokens_module
from summaries.chars import WORD_CHAR
from summaries.segmenter import TOKENIZERS, Segmenter, segmenter
from summaries.tokens import normalize_query_text, search_tokens
from summaries.words import jieba_words


def test_words_spell_the_text_and_search_words_add_the_inner_words(
    seed_articles: list[Article], words: Segmenter
) -> None:
    for article in seed_articles:
        cut = words.words(article.body)
        assert "".join(cut) == article.body
        found = words.search_words(article.body)
        assert set(cut) <= set(found)
    # Search mode emits the dictionary words inside a long one, before it.
    assert words.search_words("志愿服务队") == ["志愿", "服务", "服务队"]
    assert words.search_words("中华人民共和国") == [
        *("中华", "华人", "人民", "共和", "共和国"),
        "中华人民共和国",
    ]


def test_rjieba_search_mode_is_jieba_s_rule_over_its_own_cut(seed_articles: list[Article]) -> None:
    # jieba.cut_for_search: after each word of the accurate cut, preceded by its 2-grams (words
    # over 2 characters) then its 3-grams (over 3) that the dictionary holds. rjieba's own
    # search mode must give the same on Chinese news.
    import jieba

    jieba.initialize()
    known = jieba.dt.FREQ
    fast = segmenter("rjieba")

    def by_rule(text: str) -> list[str]:
        out: list[str] = []
        for word in fast.words(text):
            for n in (2, 3):
                if len(word) > n:
                    grams = (word[i : i + n] for i in range(len(word) - n + 1))
                    out.extend(g for g in grams if known.get(g))
            out.append(word)
        return out

    for article in seed_articles:
        assert fast.search_words(article.body) == by_rule(article.body)


def test_jieba_segmenter_is_the_jieba_words_of_before(seed_articles: list[Article]) -> None:
    slow = segmenter("jieba")
    for article in seed_articles:
        assert slow.words(article.body) == jieba_words(article.body)
    alone = [Summarizer(tokenizer=jieba_words).summarize(a) for a in seed_articles]
    assert [Summarizer(tokenizer=slow.words).summarize(a) for a in seed_articles] == alone


def test_the_two_segmenters_mostly_agree(seed_articles: list[Article]) -> None:
    fast, slow = segmenter("rjieba"), segmenter("jieba")
    same = sum(fast.words(a.body) == slow.words(a.body) for a in seed_articles)
    assert same >= len(seed_articles) // 2
    fast_keywords = Summarizer(tokenizer=fast.words)
    slow_keywords = Summarizer(tokenizer=slow.words)
    shared = total = 0
    for article in seed_articles:
        a = set(fast_keywords.summarize(article).keywords)
        b = set(slow_keywords.summarize(article).keywords)
        shared += len(a & b)
        total += len(a | b)
    assert shared / total >= 0.8


def test_one_object_per_tokenizer_and_a_clear_error_for_an_unknown_one() -> None:
    assert segmenter("rjieba") is segmenter("rjieba")
    assert segmenter("jieba") is not segmenter("rjieba")
    assert segmenter("jieba").name == "jieba"
    with pytest.raises(ValueError, match="unknown tokenizer 'hanlp'"):
        segmenter("hanlp")
    for name in TOKENIZERS:
        identity = segmenter(name).identity
        assert identity["tokenizer"].startswith(f"{name} ") and identity["dictionary"]


def test_the_default_is_rjieba_else_jieba_with_one_log_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    segmenter.cache_clear()
    try:
        assert segmenter().name == "rjieba"
        assert segmenter(None) is segmenter("") is segmenter("rjieba")
        segmenter.cache_clear()
        monkeypatch.setattr(segmenter_module, "rjieba_installed", lambda: False)
        with caplog.at_level(logging.WARNING, logger="summaries.segmenter"):
            assert segmenter().name == "jieba"
            segmenter()
        assert [r.getMessage() for r in caplog.records] == [
            "rjieba is not installed: tokenizing with jieba (slower, same dictionary)"
        ]
    finally:
        segmenter.cache_clear()


def test_search_tokens_follow_the_segmenter_given(words: Segmenter) -> None:
    text = "Ｆ-22战机与志愿服务队，ＡＢＣ公司"
    tokens = search_tokens(text, words)
    assert "志愿" in tokens and "服务队" in tokens and "abc" in tokens
    assert all(t.strip() and t == t.lower() for t in tokens)


def test_search_tokens_drop_what_holds_no_words_whatever_the_memory(
    words: Segmenter, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "Ｗenzhai 文摘：志愿服务队，  走进 社区！\x01 3.5万 —— …"
    expected = [
        token.strip()
        for token in words.search_words(normalize_query_text(text))
        if token.strip() and WORD_CHAR.search(token.strip())
    ]
    assert "志愿" in expected and "，" not in expected and "" not in expected
    assert search_tokens(text, words) == expected
    assert search_tokens(text, words) == expected
    # A memory that starts afresh at every call gives the same tokens.
    monkeypatch.setattr(tokens_module, "_KEPT_LIMIT", 1)
    assert search_tokens(text, words) == expected
    assert search_tokens(text, words) == expected
