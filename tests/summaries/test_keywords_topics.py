"""Keywords and topic tags."""

from __future__ import annotations

import re
import tomllib

import pytest

from summaries import (
    Article,
    Summarizer,
    Topic,
    TopicTagger,
    extract_keywords,
    parse_topics,
    tag_topics,
)
from summaries.segmenter import Segmenter
from summaries.words import STOP_WORDS

from .conftest import REPO


@pytest.fixture(scope="module")
def topics() -> tuple[Topic, ...]:
    with (REPO / "seeds" / "topics.toml").open("rb") as handle:
        return parse_topics(tomllib.load(handle)["topic"])


def test_keywords_have_no_numbers_single_characters_or_stop_words(
    seed_articles: list[Article],
) -> None:
    for article in seed_articles:
        keywords = extract_keywords(article.body, title=article.title)
        assert 1 <= len(keywords) <= 8
        assert len(set(keywords)) == len(keywords)
        for word in keywords:
            assert len(word) >= 2
            assert not re.search(r"\d", word)
            assert word not in STOP_WORDS


def test_keywords_name_the_subject(seed_articles: list[Article]) -> None:
    brief = seed_articles[3]
    keywords = extract_keywords(brief.body, title=brief.title, top_k=5)
    assert "生产" in keywords or "安全" in keywords
    assert extract_keywords("2020年，600多名，十余名，3.5万元。") == ()
    assert extract_keywords("") == ()
    assert len(extract_keywords(brief.body, top_k=3)) == 3


def test_parse_topics_from_the_seed_file(topics: tuple[Topic, ...]) -> None:
    assert 8 <= len(topics) <= 15
    assert len({t.slug for t in topics}) == len(topics)
    assert all(t.name_zh and t.name_en and t.words for t in topics)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"zh": "党建", "en": "Party", "words": ["党建"]}, "slug"),
        ({"slug": "Bad Slug", "zh": "党建", "en": "Party", "words": ["党建"]}, "slug"),
        ({"slug": "party", "zh": "", "en": "Party", "words": ["党建"]}, "zh"),
        ({"slug": "party", "zh": "党建", "en": "Party", "words": []}, "words"),
        ({"slug": "party", "zh": "党建", "en": "Party", "words": "党建"}, "words"),
    ],
)
def test_parse_topics_rejects_bad_entries(entry: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_topics([entry])


def test_parse_topics_rejects_duplicates() -> None:
    entry = {"slug": "party", "zh": "党建", "en": "Party", "words": ["党建"]}
    with pytest.raises(ValueError, match="duplicate"):
        parse_topics([entry, entry])


def test_tag_topics_on_the_seed_page(
    seed_articles: list[Article], topics: tuple[Topic, ...]
) -> None:
    summarizer = Summarizer(topics=topics)
    tags = [summarizer.summarize(a).topics for a in seed_articles]
    assert tags[0][0] == "party"
    assert "civility" in tags[1]
    assert "volunteer" in tags[2]
    assert "safety" in tags[3]
    assert all(len(t) == len(set(t)) and len(t) <= 3 for t in tags)
    assert tag_topics(seed_articles[0], ()) == ()


def test_tag_topics_uses_keywords_and_is_deterministic(topics: tuple[Topic, ...]) -> None:
    article = Article(title="", paragraphs=("会议讨论了很多问题。",))
    assert tag_topics(article, topics) == ()
    assert tag_topics(article, topics, keywords=("疫苗",)) == ("epidemic",)
    article = Article(title="学校开展疫情防控演练", paragraphs=("学生们参加了演练。",))
    assert tag_topics(article, topics) == tag_topics(article, topics)
    assert set(tag_topics(article, topics)) == {"education", "epidemic"}


@pytest.mark.parametrize("limit", [1, 50, 1 << 17])
def test_summary_keywords_match_a_fresh_count_whatever_the_weight_memory(
    seed_articles: list[Article], monkeypatch: pytest.MonkeyPatch, limit: int, words: Segmenter
) -> None:
    # The summarizer reuses the weights its sentences filled in; a tiny limit makes its memory
    # start afresh before every article, and the keywords must not notice.
    from summaries import keywords_from_tokens, weights
    from summaries.digest import candidates_for

    monkeypatch.setattr(weights, "CACHE_LIMIT", limit)
    summarizer = Summarizer(tokenizer=words.words)
    for article in [*seed_articles, *seed_articles]:
        summary = summarizer.summarize(article)
        tokens = [t for c in candidates_for(article, words.words) for t in c.tokens]
        title = words.words(article.title) if article.title else []
        assert summary.keywords == keywords_from_tokens(tokens, title_tokens=title)


def test_tag_topics_same_for_tuple_list_and_changed_topics(
    seed_articles: list[Article], topics: tuple[Topic, ...]
) -> None:
    tagger = TopicTagger(topics)
    for article in seed_articles:
        tags = tag_topics(article, topics)
        assert tag_topics(article, list(topics)) == tags
        assert tagger.tag(article) == tags
    # Each call or tagger has its own topics' words: nothing is carried over from the last one.
    article = Article(title="安全生产检查", paragraphs=("企业开展安全生产检查。",))
    found = (Topic(slug="safety", name_zh="安全", name_en="Safety", words=("安全生产",)),)
    absent = (Topic(slug="safety", name_zh="安全", name_en="Safety", words=("航天",)),)
    assert tag_topics(article, found) == ("safety",)
    assert tag_topics(article, absent) == ()
    assert tag_topics(article, found) == ("safety",)
