"""Cleaning and sentence splitting."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from summaries import boilerplate, clean_text, split_sentences
from summaries.boilerplate import strip_boilerplate
from summaries.text import cut_at_clause, decode_text, nfkc, strip_dateline

SEED_TEXT = (Path(__file__).resolve().parents[2] / "seeds" / "000_a9c33694dae72277.txt").read_text(
    encoding="utf-8"
)


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


BOILERPLATE_SAMPLES = [
    "新华社北京3月5日电（记者 张三）全国两会今日开幕。中新网电 据本报讯 本报讯 中新社电",
    "原标题：一座桥的二十年 文章来源：晨报 文字来源:某网 图片来源：某社 来源：某报",
    "更新日期:2015-01-28 发布时间：2016-03-0210:15:00 日期:2020/1/2 时间：2019.12.31 08:30",
    "2015-01-2808:34:12 今日19:30开始 ◆编者按：这是一组故事 ■编者按",
    "【快讯】【北京地铁线将修往河北!】",
    "（记者 李四 通讯员 王五）(责任编辑:赵六) (编者按:原文如此)（完）责任编辑：孙七 查看更多 >>",
    "5月3日电话告知家人，１２月３日讯，編輯：周八",
]


@pytest.mark.parametrize("name", ["_BREAK", "_DROP"])
def test_boilerplate_look_ahead_names_every_first_character(name: str) -> None:
    # The look-ahead only speeds the search up: every match of the bare pattern starts with
    # one of its characters, so the guarded pattern finds the same matches.
    guarded: re.Pattern[str] = getattr(boilerplate, name)
    bare = re.compile(getattr(boilerplate, f"{name}_PATTERN"))
    first = re.compile(f"[{getattr(boilerplate, f'{name}_FIRST')}]")
    texts = [*BOILERPLATE_SAMPLES, *(p for p in SEED_TEXT.split("\n") if p)]
    for text in texts:
        starts = [i for i in range(len(text)) if bare.match(text, i)]
        assert all(first.match(text, i) for i in starts), (text, starts)
        found = [(m.span(), m.groupdict()) for m in guarded.finditer(text)]
        assert found == [(m.span(), m.groupdict()) for m in bare.finditer(text)]
    assert any(bare.search(text) for text in BOILERPLATE_SAMPLES)


def test_nfkc_is_unicode_nfkc() -> None:
    for text in ["", "ＡＢＣ１２３，：；（）", "ｶﾞ ﬁ ①", "e\u0301 한글", "全角　空格"]:
        assert nfkc(text) == unicodedata.normalize("NFKC", text)


@pytest.mark.parametrize(
    "text",
    [
        "记者获悉，当前春耕有序推进：化肥充足（据统计）！是吗？是的；好…",  # replaced only
        "增长３．５％，达到１２万元。",  # full-width digits: the whole normalization
        "他说，ｶﾞ①ﬁ㈱",  # compatibility characters beside the common ones
        "，\u0301（\u0308",  # combining marks after a replaced character
        "－～％\u3000；e\u0301",
    ],
)
def test_nfkc_of_chinese_prose_is_unicode_nfkc(text: str) -> None:
    """The common punctuation replaced first changes nothing: the result is Unicode's NFKC."""
    assert nfkc(text) == unicodedata.normalize("NFKC", text)
