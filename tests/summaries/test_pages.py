"""Page splitting on the real seed page and on plain text."""

from __future__ import annotations

import re

from summaries import Article, article_from_text, split_page
from summaries.pages import stand_in_title


def test_seed_page_has_five_items_in_order(seed_articles: list[Article]) -> None:
    assert [a.title for a in seed_articles] == [
        "打造党建品牌 筑牢文明基石",
        "青海省格尔木市：绽放文明花 结出富裕果",
        "图片新闻：江苏大学「为爱守护你我」童「行」支教团的三名大学生志愿者出征",
        "陕煤黄陵矿业双龙煤业：文明生产守护矿井安全",
        "甘肃天祝：把实事办到老百姓的心坎儿上",
    ]
    assert [a.kind for a in seed_articles] == ["article", "article", "photo", "brief", "article"]
    assert [a.authors for a in seed_articles] == [
        ("李连军", "程浩"),
        ("吕正楷", "鲍得秀"),
        ("石玉成",),
        ("穆海宏",),
        ("靳文龙", "张宗文"),
    ]


def test_first_article_subtitle_and_sections(seed_articles: list[Article]) -> None:
    first = seed_articles[0]
    assert first.subtitle == "——漯河市市场监督管理局以高质量党建引领全国文明单位创建纪实"
    assert first.headings == (
        "党建引领 高位推进",
        "强化教育 立德固本",
        "丰富载体 凝心铸魂",
        "双融双促 示范引领",
    )
    assert first.sections[0].heading == ""
    assert first.sections[0].paragraphs[0].startswith("步入院内")
    assert seed_articles[1].headings == (
        "城市面貌 悄然蝶变",
        "文明新风浸润心田",
        "文明之花结出硕果",
    )
    assert all(not a.subtitle for a in seed_articles[1:])


def test_photo_caption_and_brief(seed_articles: list[Article]) -> None:
    photo, brief = seed_articles[2], seed_articles[3]
    assert photo.paragraphs[0].startswith("7月11日，江苏大学")
    assert len(photo.paragraphs) == 1 and "摄" not in photo.body
    assert brief.body.startswith("在井下生产工作现场")
    assert "本报讯" not in brief.body and "穆海宏" not in brief.body


def test_a_photo_caption_gets_a_title_from_its_first_clause_that_says_something() -> None:
    page = (
        "市图书馆新馆今天起试开放，读者可凭身份证免费入馆。新馆藏书八十万册。\n\n"
        "图为昨日，市民在新馆阅览室里读书。\n\n王小明 摄\n"
    )
    piece, photo = split_page(page)
    assert piece.title == ""  # plain text keeps its empty title; the renderer makes one
    assert photo.kind == "photo" and photo.title == "图片新闻：市民在新馆阅览室里读书"
    assert stand_in_title("新馆今天起试开放，读者可凭身份证入馆。") == "新馆今天起试开放"
    assert stand_in_title("。", photo=True) == ""
    long = stand_in_title("近日" + "很" * 40 + "长的一句话。")
    assert len(long) == 30 and long.endswith("…")


def test_seven_broken_paragraphs_are_rejoined(seed_articles: list[Article]) -> None:
    bodies = "\n".join(a.body for a in seed_articles)
    for joined in ("党支部书记抓党建", "在疫情防控关键时刻", "千人帮千企", "宣传教育，发布",
                   "奋战，共采摘", "党史学习教育开展以来", "人民群众“急难愁盼”"):  # fmt: skip
        assert joined in bodies, joined
    for article in seed_articles:
        for paragraph in article.paragraphs:
            assert paragraph[-1] in "。！？”…", paragraph[-20:]


def test_no_heading_title_or_byline_inside_a_body(seed_articles: list[Article]) -> None:
    markers = [a.title for a in seed_articles if a.title]
    markers += [h for a in seed_articles for h in a.headings]
    markers += [" ".join(a.authors) for a in seed_articles] + ["石玉成 摄", "本报讯"]
    for article in seed_articles:
        for paragraph in article.paragraphs:
            for marker in markers:
                assert marker not in paragraph.split("\n"), marker
                assert not paragraph.startswith(marker), marker


def test_every_character_of_the_page_is_accounted_for(
    seed_text: str, seed_articles: list[Article]
) -> None:
    rebuilt: list[str] = []
    for article in seed_articles:
        # A photo's title is made from its caption, not read from the page.
        rebuilt += [article.title if article.kind != "photo" else "", article.subtitle]
        if article.kind == "brief":
            rebuilt.append(f"本报讯({article.authors[0]})")
        elif article.kind == "article":
            rebuilt += article.authors
        for section in article.sections:
            rebuilt += [section.heading, *section.paragraphs]
        if article.kind == "photo":
            rebuilt += [*article.authors, "摄"]
    squeeze = re.compile(r"\s+")
    assert squeeze.sub("", "".join(rebuilt)) == squeeze.sub("", seed_text)


def test_plain_text_with_and_without_title() -> None:
    body = "今天，市里召开会议。会议部署了下一阶段工作。\n各部门要抓好落实。"
    untitled = split_page(body)
    assert len(untitled) == 1 and untitled[0].title == ""
    assert untitled[0].paragraphs == (
        "今天，市里召开会议。会议部署了下一阶段工作。",
        "各部门要抓好落实。",
    )
    titled = split_page("市里召开工作会议\n\n" + body)
    assert len(titled) == 1 and titled[0].title == "市里召开工作会议"
    assert titled[0].body == untitled[0].body


def test_article_from_text_keeps_every_line() -> None:
    text = "<p>第一段。</p><p>小标题</p>\n第二段没有句号"
    article = article_from_text(text, title=" 标题 ")
    assert article.title == "标题"
    assert article.paragraphs == ("第一段。", "小标题", "第二段没有句号")
    assert article.sections[0].paragraphs == article.paragraphs


def test_empty_and_garbage_pages_give_nothing() -> None:
    for text in ("", "   \n\n\t ", "。。。！！！……", "\x00\x01\x02", "<br/><p></p>"):
        assert split_page(text) == []
        assert article_from_text(text).paragraphs == ()
