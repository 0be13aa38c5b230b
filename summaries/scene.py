"""Scene-setting openers: sentences that walk the reader into a place before the news.

A feature lede often opens "步入院内，绿树成荫、花香洋溢；…" or "在井下生产工作现场，…一目了然；…
——今年以来，某公司…": scenery first, what happened after. Such an opening earns a sentence its
lead position without telling the news, so the digest scores it down (``opens_with_scene``) and,
where a dash hands over to the news, takes the sentence from there (``news_after_scene``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from summaries.chars import has_words

# A scene-setting opening has a cue of movement, sight, season or a site (步入, 走进, 清晨,
# 在…现场), and its opening clauses (up to the first "；", "——" or the sentence's end) name
# nothing: no number, no time word, no place or organisation. Cue words, character classes and
# the tokens say so cheaply, where part-of-speech tagging would cost as much as the rest of the
# digest; the cue keeps news ledes that merely lack a number (福建启动“单独两孩”新政) out of it.
_SCENE_CUE = re.compile(
    r"(?:步入|走进|走入|走在|走过|漫步|来到|置身|行走在|驱车|沿着|放眼|远远|远眺|眺望|推开"
    r"|踏入|踏进|穿过|穿行|登上|站在|清晨|傍晚|夜幕|黄昏|初夏|盛夏|金秋|深秋|隆冬|寒冬|初春"
    r"|早春|春日|夏日|秋日|冬日|午后|每到)"
    r"|在[^，,；;。]{0,16}(?:现场|车间|院内|院里|田间|地头|大厅|工地|一线|街头|门口|路口|田野"
    r"|林间|山间|村头|屋里|室内|井下)[，,]"
)
# A tail shorter than this is an afterthought ("——这是…"), not the news.
_TAIL_MIN = 12
_OPENING = re.compile(r"[^；;—]*")
_NUMBER = re.compile(
    r"[0-9０-９]|[一二两三四五六七八九十百千万亿几数]+"
    r"(?:年|月|日|号|时|名|个|位|人|家|项|次|起|元|岁|所|座|件|户|天|条|批|支|辆|吨|亩|公里)"
)
_NEWS_TIME = (
    "近日", "日前", "今年", "去年", "昨天", "今天", "昨日", "今日", "当天", "以来", "目前",
)  # fmt: skip
# The last character of a place or organisation name: 漯河市, 管理局, 人民法院, 江苏大学.
_NAME_ENDS = frozenset("省市县区镇乡村州国局厅部委院校所会社团司厂馆站队行署处办学")


def news_after_scene(sentence: str) -> str:
    """The part of ``sentence`` after the dash that ends a scene-setting opening, else all of it."""
    if "——" not in sentence or not _SCENE_CUE.match(sentence):
        return sentence
    tail = sentence[sentence.index("——") :].lstrip("—").lstrip()
    return tail if len(tail) >= _TAIL_MIN and has_words(tail) else sentence


def opens_with_scene(text: str, tokens: Sequence[str]) -> bool:
    """True when the sentence opens by setting a scene (步入院内，…): a cue, and no name up front.

    ``tokens`` are the sentence's tokens, in order; only those of the opening are read.
    """
    if not _SCENE_CUE.match(text):
        return False
    opening = _OPENING.match(text)
    head = opening.group(0) if opening else text
    if _NUMBER.search(head) or any(word in head for word in _NEWS_TIME):
        return False
    used = 0
    for token in tokens:
        if used >= len(head):
            break
        used += len(token)
        if len(token) >= 3 and token[-1] in _NAME_ENDS:
            return False
    return True
