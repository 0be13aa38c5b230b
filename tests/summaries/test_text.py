"""Cleaning and sentence splitting."""

from __future__ import annotations

import pytest

from summaries import clean_text, split_sentences
from summaries.boilerplate import strip_boilerplate
from summaries.text import cut_at_clause, decode_text, strip_dateline


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("他说：“我们会努力。”然后离开了。", ["他说：“我们会努力。”", "然后离开了。"]),
        ("真的吗？！太好了！", ["真的吗？！", "太好了！"]),
        ("增长3.5%，达到1.2万元。下降了", ["增长3.5%，达到1.2万元。", "下降了"]),
        ("第一句；第二句……第三句", ["第一句；第二句……", "第三句"]),
        ("一是修路；二是建桥。三是植树", ["一是修路；二是建桥。", "三是植树"]),
        ("A股上涨!成交放大?是的", ["A股上涨!", "成交放大?", "是的"]),
        ("第一行没有标点\n第二行也没有", ["第一行没有标点", "第二行也没有"]),
        ("中文句子.下一句,带逗号.", ["中文句子.", "下一句,带逗号."]),
        ("（注：见上文。）后文。", ["（注：见上文。）", "后文。"]),
        ("", []),
        ("。。！", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_split_sentences_keeps_every_character() -> None:
    text = "据报道,今年GDP增长6.5%!“这很好。”他说;其余 v2.0 版本……完"
    assert "".join(s.replace(" ", "") for s in split_sentences(text)) == text.replace(" ", "")


def test_clean_text_strips_markup_and_controls_but_keeps_characters() -> None:
    raw = (
        "<div><p>第一段&amp;内容</p><script>var x=1;</script>\x07第二\u200b段</div>"
        "\r\n\r\n\r\n\r\n尾　巴 😀 ＡＢＣ１２３"
    )
    assert clean_text(raw) == "第一段&内容\n第二段\n\n\n尾 巴 😀 ＡＢＣ１２３"
    assert clean_text("a < b 且 c > d") == "a < b 且 c > d"


def test_strip_dateline() -> None:
    assert (
        strip_dateline("本报讯(穆海宏)在井下生产现场，一切有序。") == "在井下生产现场，一切有序。"
    )
    assert (
        strip_dateline("中新网郴州5月15日电(记者刘柱)备受关注的案件今日宣判。")
        == "备受关注的案件今日宣判。"
    )
    assert (
        strip_dateline("新华社电 随着庭审日将至，两派民众集会。")
        == "随着庭审日将至，两派民众集会。"
    )
    assert strip_dateline("今天天气很好。") == "今天天气很好。"


def test_cut_at_clause() -> None:
    sentence = "备受关注的案件二审今日在市中级人民法院公开宣判，驳回上诉维持原判。"
    cut = cut_at_clause(sentence, 30)
    assert cut == "备受关注的案件二审今日在市中级人民法院公开宣判…"
    assert len(cut_at_clause("没有任何逗号的一句很长很长很长的话" * 3, 10)) == 10


def test_decode_text_reads_utf8_then_gb18030() -> None:
    title = "甘肃天祝：把实事办到老百姓的心坎儿上"
    assert decode_text(title.encode("utf-8")) == title
    assert decode_text(b"\xef\xbb\xbf" + title.encode("utf-8")) == title  # BOM dropped
    assert decode_text(title.encode("gbk")) == title
    with pytest.raises(ValueError, match="not UTF-8 or GB18030"):
        decode_text(b"\xff\xfe\x00\xd8\x81")


@pytest.mark.parametrize(
    ("paragraph", "pieces"),
    [
        # A dateline glued after a headline splits it off, wherever it stands.
        (
            "老人走失一夜后被找回华商网西安8月2日讯(记者 陈某)1日晚,一名老人在公园走失。",
            ["老人走失一夜后被找回", "1日晚,一名老人在公园走失。"],
        ),
        ("本报讯 记者从市教育局获悉,今年秋季学期将新增学位两千个。",
         ["记者从市教育局获悉,今年秋季学期将新增学位两千个。"]),
        ("编者按:这是一组关于乡村教师的故事。", ["这是一组关于乡村教师的故事。"]),
        ("他的事迹令人感动。□编者按今年是他扎根山村的第十年。",
         ["他的事迹令人感动。", "今年是他扎根山村的第十年。"]),
        ("发布时间:2016-03-0210:15:00全市今日起实行错峰上下班。", ["全市今日起实行错峰上下班。"]),
        ("【八旬老人义务守护古桥二十年】王大爷每天清晨都会来到桥头。",
         ["八旬老人义务守护古桥二十年：王大爷每天清晨都会来到桥头。"]),
        ("他说这是误会(编者按:原文如此),并表示道歉。(来源:晨报)",
         ["他说这是误会,并表示道歉。"]),
        # Not boilerplate: a date followed by 电 that no outlet names, a plain date, a word.
        ("他在5月3日电话告知家人,签约定于2015-01-28举行。",
         ["他在5月3日电话告知家人,签约定于2015-01-28举行。"]),
        ("电视台记者到场采访。", ["电视台记者到场采访。"]),
        ("（记者 张三）", []),
    ],
)  # fmt: skip
def test_strip_boilerplate(paragraph: str, pieces: list[str]) -> None:
    assert strip_boilerplate(paragraph) == pieces
