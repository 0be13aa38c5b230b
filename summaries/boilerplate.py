"""Newsroom boilerplate: editors' labels, datelines and credits, removed wherever they stand.

A page dump or a scraped article carries what the newsroom wrapped around the news: labels
(摘要: 导语 编者按 【…】), datelines (本报郓城5月20日讯, 新华社北京3月5日电), credits
(（记者 张三）, 责任编辑：李四, （来源：某报）), time stamps and end marks ((完)). They are found
at a paragraph's start and also in its middle, where a scraper glued a headline to the dateline
that opens the body. A digest must hold none of them, so the digest reads paragraphs through
``strip_boilerplate`` first.
"""

from __future__ import annotations

import re

from summaries.chars import has_words

# Outlets named before a dated dateline; any other is recognised by its ending (…日报, …网).
_KNOWN_OUTLETS = (
    "本报", "新华社", "新华网", "中新社", "中新网", "人民网", "央视网", "央广网", "国际在线",
    "环球网", "光明网", "中国网", "中国新闻网", "中国日报网", "海外网", "澎湃新闻", "新京报",
    "法制网", "正义网", "红网", "荆楚网", "大河网", "东方网", "千龙网", "北青网", "南方网",
)  # fmt: skip
_OUTLET_THEN_PLACE = re.compile(
    r"(?:{known}|[\u4e00-\u9fff]{{2,4}}(?:日报|晚报|晨报|时报|商报|都市报|新闻|在线|网|社|台))"
    r"[\u4e00-\u9fff]{{0,6}}".format(known="|".join(_KNOWN_OUTLETS))
)
_OUTLET_LOOKBACK = 14
# Where a dateline, a tag, a label (编者按, 原标题:, 来源:) or a web page's time stamp
# (发布日期:2015-01-2808:34:12) stands, the text on either side is a separate piece: a headline
# glued to the body, or a tag between two paragraphs.
_STAMP_LABEL = r"(?:(?:发布|更新)?(?:日期|时间)[:：]\s*)"
_STAMP_DATE = r"(?:19|20)\d\d[-/.]\d{1,2}[-/.]\d{1,2}"
_BREAK_PATTERN = (
    r"(?P<dated>\d{1,2}月\d{1,2}日[讯电])"
    r"|(?P<undated>(?:据)?(?:本报讯|新华社电|中新社电|中新网电))"
    r"|(?P<tag>【[^】\n]{0,40}】)"
    r"|(?P<note>[□■●◆◇]?编者按[:：]?|原标题[:：]|(?:文章|文字|图片)?来源[:：])"
    rf"|(?P<stamp>{_STAMP_LABEL}?{_STAMP_DATE}\s*\d{{1,2}}:\d\d(?::\d\d)?"
    rf"|{_STAMP_LABEL}{_STAMP_DATE})"
)
# Every character a match of _BREAK_PATTERN can start with.
_BREAK_FIRST = r"\d据本新中【□■●◆◇编原文图来发更日时"
# A bracketed headline (【北京地铁线将修往河北!】) says what the text after it tells: it stays as
# the head of that sentence, "标题：…". A short tag or one naming a desk or kind is a label.
_HEADLINE_TAG = re.compile(r"【(?P<headline>[^】\n]{9,40})】")
_LABEL_TAG = re.compile(r"(?:报道|讯|消息|综述|综合|快讯|提示|编者按|推荐|解说)$|[:：]")
# What follows a dateline: its credit in brackets, and a separating colon or space.
_AFTER_DATELINE = re.compile(r"\s*(?:[（(][^（）()\n]{0,40}[)）])?[\s:：]*")
# Credits, sources and end marks, dropped where they stand.
_DROP_PATTERN = (
    r"[（(][^（）()\n]{0,12}?(?:记者|通讯员|实习生)[^（）()\n]{0,30}[)）]"
    r"|[（(](?:责任编辑|编辑|来源|文字来源|图片来源|稿源|原标题)[:：][^（）()\n]{0,60}[)）]"
    r"|[（(][^（）()\n]{0,20}编者按[^（）()\n]{0,30}[)）]"
    r"|[（(]完[)）]"
    r"|责任编辑[:：]\s*[^\s，。,；;！？!?（）()]{1,12}"
    r"|(?:编辑|来源)[:：]\s*[^\s，。,；;！？!?（）()]{1,12}$"
    r"|查看更多\s*>>"
)
# Every character a match of _DROP_PATTERN can start with.
_DROP_FIRST = "（(责编来查"
# Labels that open a piece: 摘要: 导语 编者按 (and a bullet before them).
_LABEL = re.compile(
    r"^[□■●◆◇\s]*(?:(?:摘要|内容提要|提要|核心提示|原标题)[:：]|导语[:：]?|编者按[:：]?)\s*"
)
# Characters one of the patterns above needs (a time stamp has "-", "/" or "."); a paragraph
# without any is left as it is.
_TRIGGERS = "讯电【记通实编来稿原完查摘导提核-/."


def _first_char_guarded(first: str, pattern: str) -> re.Pattern[str]:
    """``pattern`` behind a look-ahead for the characters its matches start with.

    The same matches, found far sooner: the regex engine has no fast scan for an alternation
    that opens with optional parts, so it tries every alternative at every position, and the
    look-ahead turns that into one character test at most positions.
    """
    return re.compile(f"(?=[{first}])(?:{pattern})")


_BREAK = _first_char_guarded(_BREAK_FIRST, _BREAK_PATTERN)
_DROP = _first_char_guarded(_DROP_FIRST, _DROP_PATTERN)
_TRIGGER = re.compile(f"[{re.escape(_TRIGGERS)}]")


def strip_boilerplate(paragraph: str) -> list[str]:
    """The pieces of ``paragraph`` left once labels, datelines, credits and stamps are removed.

    A dateline, a time stamp or a 【…】 label in the middle splits the paragraph there; a
    bracketed headline stays as the head of its sentence; pieces without words are
    dropped, so a paragraph that is all boilerplate gives [].
    """
    if _TRIGGER.search(paragraph) is None:
        return [paragraph] if has_words(paragraph) else []
    text = _HEADLINE_TAG.sub(_headline, _DROP.sub("", paragraph))
    pieces: list[str] = []
    start = 0
    for match in _BREAK.finditer(text):
        begin, end = match.start(), match.end()
        if match.group("dated"):
            outlet = _outlet_before(text, max(start, begin - _OUTLET_LOOKBACK), begin)
            if outlet is None:
                continue  # a date followed by 电 or 讯 that no outlet names: not a dateline
            begin = outlet
        if match.group("dated") or match.group("undated"):
            after = _AFTER_DATELINE.match(text, end)
            end = after.end() if after else end
        pieces.append(text[start:begin])
        start = end
    pieces.append(text[start:])
    out = []
    for piece in pieces:
        piece = _LABEL.sub("", piece.strip(), count=1).strip()
        if has_words(piece):
            out.append(piece)
    return out


def _headline(match: re.Match[str]) -> str:
    headline = match.group("headline")
    return match.group(0) if _LABEL_TAG.search(headline) else headline.strip() + "："


def _outlet_before(text: str, lo: int, at: int) -> int | None:
    """Where the shortest outlet-and-place name ending at ``at`` starts, if one does."""
    # Shortest first: a headline glued before the outlet must not be taken as part of it.
    for begin in range(at - 2, lo - 1, -1):
        if _OUTLET_THEN_PLACE.fullmatch(text, begin, at):
            return begin
    return None
