"""Rendering: escaping, Telegram's length, splitting and the digest, checked with the emulator's
own HTML parser (the rules Telegram applies)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.render import (
    escape,
    highlight,
    render_article,
    render_article_card,
    render_digest,
    render_search,
    split_message,
    telegram_length,
)
from bot.store.records import SearchHit, SearchResult, StoredArticle
from summaries.model import Topic
from tests.botapi.html import parse_html, utf16_len

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_a9c33694dae72277.txt"
TOPICS = (
    Topic("party", "党建", "Party building", ("党建",)),
    Topic("volunteer", "志愿服务", "Volunteering", ("志愿",)),
)


def _visible(markup: str) -> str:
    return parse_html(markup)[0]


def _article(article_id: int, title: str, body: str, **extra: object) -> StoredArticle:
    values: dict[str, object] = {
        "id": article_id,
        "title": title,
        "body": body,
        "digest": (body[:60],),
        "keywords": (),
        "topics": (),
        "source": "test",
        "content_hash": str(article_id),
        "subtitle": "",
        "authors": (),
        "kind": "article",
        "url": None,
        "published_at": datetime(2021, 3, 5, tzinfo=UTC),
        "ingested_at": datetime(2021, 3, 6, tzinfo=UTC),
    }
    values.update(extra)
    return StoredArticle(**values)  # type: ignore[arg-type]


def test_escape_makes_user_html_plain_text() -> None:
    markup = escape('<b>x</b> & <script>"')
    assert _visible(markup) == '<b>x</b> & <script>"'
    assert parse_html(markup)[1] == []


def test_telegram_length_counts_utf16_units_after_parsing() -> None:
    assert telegram_length("<b>😀</b>") == 2
    assert telegram_length("&lt;中&gt;&amp;") == 4
    assert telegram_length('<a href="https://x.cn/?a=1&amp;b=2">原文</a>') == 2
    assert telegram_length("&#128512;") == 2


@pytest.mark.parametrize("unit", ["中", "😀", "a&amp;", "<b>文😀</b>"])
def test_split_keeps_every_part_valid_and_within_the_limit(unit: str) -> None:
    paragraphs = [unit * n for n in (900, 3000, 5000, 10)]
    markup = "\n\n".join(paragraphs)
    parts = split_message(markup)
    assert len(parts) > 1
    for part in parts:
        visible, _ = parse_html(part)  # raises on anything Telegram would refuse
        assert 0 < utf16_len(visible) <= 4096
    joined = "".join(_visible(p).replace("\n", "") for p in parts)
    assert joined == _visible(markup).replace("\n", "")


def test_split_prefers_paragraph_boundaries() -> None:
    first, second = "甲" * 3000, "乙" * 3000
    parts = split_message(f"<b>{first}</b>\n\n{second}")
    assert [_visible(p) for p in parts] == [first, second]


def test_split_reopens_tags_cut_inside_an_element() -> None:
    url = "https://example.com/a?b=1&amp;c=2"
    markup = f'<a href="{url}"><b>{"字" * 5000}</b></a>'
    parts = split_message(markup)
    assert len(parts) == 2
    for part in parts:
        _, entities = parse_html(part)
        assert {e["type"] for e in entities} == {"text_link", "bold"}
        links = [e["url"] for e in entities if e["type"] == "text_link"]
        assert links == ["https://example.com/a?b=1&c=2"]


def test_split_respects_a_small_limit_and_drops_empty_parts() -> None:
    parts = split_message("一二三。四五六。\n\n\n\n七八九", limit=4)
    assert all(telegram_length(p) <= 4 for p in parts)
    assert "".join(_visible(p) for p in parts) == "一二三。四五六。七八九"


def test_highlight_escapes_and_bolds_matched_words() -> None:
    markup = highlight("<志愿>服务&队", [(1, 3), (2, 6), (50, 60)])
    visible, entities = parse_html(markup)
    assert visible == "<志愿>服务&队"
    assert entities == [{"type": "bold", "offset": 1, "length": 5}]


def test_digest_groups_by_category_tags_topics_and_links_where_there_is_a_url() -> None:
    articles = [
        _article(
            1, "志愿者<进社区>", "志愿服务队走进社区。", topics=("volunteer",), category="society"
        ),
        _article(
            2,
            "党建引领",
            "党支部开展主题党日。",
            topics=("party",),
            url="https://e.cn/1?a&b",
            category="politics",
        ),
        _article(3, "别的新闻", "没有主题。"),  # not classified yet: "other", last
        _article(4, "国足", "比赛。", category="sports"),
    ]
    parts = render_digest(articles, topics=TOPICS, language="zh", today=date(2024, 5, 1))
    assert len(parts) == 1
    visible, entities = parse_html(parts[0])
    assert "2024-05-01" in visible
    # Headers in taxonomy order (时政 before 体育 before 社会), whatever the articles' order.
    headers = [line for line in visible.splitlines() if line.startswith("🗂")]
    assert headers == ["🗂 时政", "🗂 体育", "🗂 社会", "🗂 其他"]
    assert visible.index("党建引领") < visible.index("国足") < visible.index("志愿者<进社区>")
    # Fine topics stay as tags under the title.
    assert "志愿者<进社区>\n🏷 志愿服务\n" in visible and "🏷 党建" in visible
    links = [e for e in entities if e["type"] == "text_link"]
    assert [e["url"] for e in links] == ["https://e.cn/1?a&b"]
    english = parse_html(render_digest(articles, topics=TOPICS, language="en")[0])[0]
    assert "🗂 Politics" in english and "🗂 Sports" in english and "🗂 Other" in english
    assert "🏷 Party building" in english and "Read the original" in english


def test_search_hits_and_cards_name_the_category() -> None:
    hit = SearchHit(
        article=_article(5, "国足备战", "国家队集训。", category="sports"), score=1.0, snippet=""
    )
    result = SearchResult(hits=(hit,), tokens=("国足",), total=1, ranked=1)
    zh = _visible(render_search("国足", result, first=1, language="zh"))
    assert "2021-03-05 · 体育" in zh
    en = _visible(render_search("国足", result, first=1, language="en"))
    assert "2021-03-05 · Sports" in en
    card = _visible(render_article_card(hit.article, language="en"))
    assert "2021-03-05 · Sports" in card
    unclassified = _article(6, "旧文", "正文。")
    assert "· " not in _visible(render_article_card(unclassified, language="zh"))


def test_digest_of_nothing_is_no_message() -> None:
    assert render_digest([], topics=TOPICS, language="zh") == []


def test_a_long_real_article_is_sent_in_valid_parts() -> None:
    body = SEED.read_text(encoding="utf-8") * 3
    parts = render_article(_article(9, "标题", body, authors=("李连军",)), language="zh")
    assert len(parts) >= 2
    for part in parts:
        assert 0 < utf16_len(parse_html(part)[0]) <= 4096


def test_a_digest_footer_never_pushes_the_last_part_over_the_limit() -> None:
    # Digests sized so that the last part is just under the limit before the footer.
    paragraph = SEED.read_text(encoding="utf-8").replace("\n", "")[:900]
    footer = "（这是预览：不会计入每日推送，也不影响它。）" * 3
    for count in range(4, 12):
        articles = [_article(n, f"标题{n}", paragraph, digest=(paragraph,)) for n in range(count)]
        parts = render_digest(articles, topics=TOPICS, language="zh", footer=footer)
        for part in parts:
            assert 0 < utf16_len(parse_html(part)[0]) <= 4096
        assert parse_html(parts[-1])[0].endswith(footer)


def test_only_web_addresses_become_links() -> None:
    risky = _article(4, "标题", "正文。", url="javascript:alert(1)")
    for parts in (
        render_digest([risky], topics=TOPICS, language="zh"),
        render_article(risky, language="zh"),
    ):
        assert not [e for p in parts for e in parse_html(p)[1] if e["type"] == "text_link"]


@pytest.mark.parametrize(
    ("language", "estimate", "expected"),
    [
        ("zh", False, "共 1200 篇"),
        ("zh", True, "约 1200 篇"),
        ("en", False, ": 1200 articles"),
        ("en", True, "about 1200 articles"),
    ],
)
def test_search_header_says_when_the_total_is_an_estimate(
    language: str, estimate: bool, expected: str
) -> None:
    article = _article(1, "甘肃天祝：把实事办到老百姓的心坎儿上", "志愿者赶赴白土台村。")
    snippet = "志愿者赶赴白土台村。"
    hit = SearchHit(article=article, score=1.0, snippet=snippet, highlights=((0, 3),))
    result = SearchResult(
        hits=(hit,), tokens=("志愿者",), total=1200, ranked=200, total_is_estimate=estimate
    )
    page = render_search("志愿者", result, first=1, language=language)
    assert expected in parse_html(page)[0]
    assert "<b>志愿者</b>" in page


def test_a_huge_title_or_snippet_never_crowds_out_the_other_hits() -> None:
    huge = "标" * 20_000
    hits = tuple(
        SearchHit(
            article=_article(n, huge if n % 2 else f"标题{n}", "志愿者。" * 5000),
            score=1.0,
            snippet="志愿者赶赴白土台村。" * (2000 if n == 2 else 1),
            highlights=((0, 3),),
        )
        for n in range(1, 6)
    )
    result = SearchResult(hits=hits, tokens=("志愿者",), total=5, ranked=5)
    page = render_search("志愿者", result, first=1, language="zh")
    visible = parse_html(page)[0]
    assert utf16_len(visible) <= 4096
    for number in range(1, 6):
        assert f"{number}. " in visible
    assert "标题4" in visible and "…" in visible
    assert "<b>志愿者</b>" in page  # the marked words survive the cut


def test_digest_and_card_titles_are_bounded() -> None:
    article = _article(1, "标" * 20_000, "正文。", digest=("摘" * 5000,))
    card = render_article_card(article, language="zh")
    assert utf16_len(parse_html(card)[0]) < 1000
    digest = render_digest([article, _article(2, "第二篇", "正文。")], topics=TOPICS, language="zh")
    assert len(digest) == 1 and "第二篇" in parse_html(digest[0])[0]


@pytest.mark.parametrize(
    ("title", "kind", "digest", "expected"),
    [
        ("", "photo", ("7月11日，三名志愿者出征，赴沛县支教。",), "图片新闻：三名志愿者出征"),
        (" ", "article", ("市政府昨天发布新的交通管理办法。",), "市政府昨天发布新的交通管理办法"),
        ("", "article", (), "…"),
    ],
)  # fmt: skip
def test_an_untitled_article_never_renders_an_empty_bold_title(
    title: str, kind: str, digest: tuple[str, ...], expected: str
) -> None:
    article = _article(7, title, "", digest=digest, kind=kind)
    hit = SearchHit(article=article, score=1.0, snippet="")
    markups = [
        *render_digest([article], topics=TOPICS, language="zh"),
        render_article_card(article, language="zh"),
        *render_article(article, language="zh"),
        render_search("志愿", SearchResult(hits=(hit,), tokens=("志愿",), total=1), first=1,
                      language="zh"),
    ]  # fmt: skip
    for markup in markups:
        assert "<b></b>" not in markup and "<b> </b>" not in markup
        visible, entities = parse_html(markup)
        assert expected in visible
        assert all(e["length"] > 0 for e in entities if e["type"] == "bold")


def test_an_update_entry_is_labelled_and_the_others_are_not() -> None:
    # Story 7 is an update (radio and evening are new to the chat); story 9 is new.
    update = _article(
        21, "漯河市场监管局再获全国文明单位荣誉称号", "经复查确认。", story_id=7, source="radio"
    )
    other = _article(22, "复查通过", "顺利通过复查。", story_id=7, source="evening")
    fresh = _article(23, "漯河开展节前食品安全专项检查", "春节临近。", story_id=9)
    for language, label in (("zh", "🔄 后续报道："), ("en", "🔄 Update: ")):
        (part,) = render_digest(
            [update, other, fresh], topics=TOPICS, language=language, updates={7}
        )
        visible, entities = parse_html(part)
        assert visible.count(label) == 1
        assert label + update.title in visible and label + fresh.title not in visible
        assert all(e["length"] > 0 for e in entities)  # never an empty element
    plain = _visible(render_digest([update, other], topics=TOPICS, language="zh")[0])
    assert "后续报道" not in plain  # not an update unless the caller says so
