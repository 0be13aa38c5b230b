"""Word-level resources: the default tokenizer, the corpus IDF table and stop words.

The tokenizer is a plain callable so that tests and other languages can plug in their own;
jieba and its IDF table are loaded on first use, never at import time. The IDF table is the one
piece of state shared by every summarizer: loaded once, read-only (a mapping proxy).
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from types import MappingProxyType

from summaries.chars import JIEBA_BLOCK_CHARS, WORD_CHAR

Tokenizer = Callable[[str], Sequence[str]]

# Numbers, dates and counts (2020年, 600多名, 十余) say little about what an article is about.
_NUMERIC = re.compile(
    r"^[0-9０-９.．%％,]*[0-9０-９零〇一二三四五六七八九十百千万亿两几多余第]"
    r"[0-9０-９.．%％零〇一二三四五六七八九十百千万亿两几多余第个年月日号时分秒点名人次项件位家户元]*$"
)

_STOP_TEXT = """
一个 一些 一种 一直 一样 一起 一定 一切 一下 一般 一方面 万一 三是
二是 一是 上述 不仅 不但 不过 不是 不要 不能 不会 不同 不断 与其
且说 为了 为此 为何 为什么 乃至 之一 之后 之前 之间 也是 也就是说
也要 了解 事实上 于是 人们 今天 今年 以上 以下 以为 以便 以及 以后
以来 以至 任何 但是 何况 作为 你们 使得 例如 依然 依据 便于 关于
其中 其他 其它 其实 其次 具体 再说 况且 几乎 出来 分别 到了 前后
加以 包括 即使 即便 却是 去年 又是 及其 只是 只有 只要 可以 可能
可是 各种 同时 同样 后来 否则 因为 因此 因而 固然 在于 大家 如今
如何 如果 如此 它们 对于 尤其 就是 尽管 已经 并且 并不 当时 当前
很多 得到 怎么 怎样 总之 总是 我们 所以 所有 所谓 才能 按照 据说
日前 时候 是否 显然 更加 最后 最近 有关 有些 本身 然后 然而 特别
现在 由于 由此 目前 相关 看到 看来 第一 等等 自己 虽然 表示 要求
认为 让人 记者 许多 设有 这个 这些 这样 这种 这是 还是 还有 进行
进一步 通过 那么 那些 那个 那样 非常 需要 首先 此外 此前 此后 而且
而是 而言 而已 近日 近年来 近年 日电 已于 方面 情况 问题 工作人员
没有 什么 之所以 以此 据悉 据了解 来说 起来 下来 开始 目的 主要 不少
很大 很好 较为 比较 多个 各个 各地 各类 之下 之上 当中 同年 当天
当日 当地 前往 获得 成为 发现 提出 说明 介绍 称为 一度 有的 有人
他们 她们 自身 此次 本次 这次 那次 每个 每年 每天 一名 开展 活动
工作 图为 推进 加强 实现 提高 坚持 持续 积极 深入 全面 有效 充分
进一步 不断 相关 重要 the and for with that this
from are was were has have not but you
your our their its
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


# jieba tokenizes each run of its word characters on its own, and its HMM pass over the
# characters of a run that no dictionary word covers costs the square of their number (its
# Viterbi copies every path at every step): a 128,000-character run of rare characters takes
# minutes. Runs are therefore cut into pieces of at most MAX_RUN characters before jieba. News
# has no runs near this long (the longest in the dev sets is about 110 characters), so real
# text is tokenized exactly as before; a longer run only gets word breaks at the cuts.
MAX_RUN = 200
_LONG_RUN = re.compile(f"(?<![{JIEBA_BLOCK_CHARS}])[{JIEBA_BLOCK_CHARS}]{{{MAX_RUN + 1},}}")


def bounded_runs(text: str) -> list[str]:
    """``text`` in pieces that join back to it, no run of jieba's word characters in a piece
    longer than ``MAX_RUN``: tokenizing piece by piece then costs time linear in the length."""
    if len(text) <= MAX_RUN:
        return [text]
    pieces: list[str] = []
    start = 0
    # The look-behind makes a match start only where a run starts, so the scan stays linear.
    for match in _LONG_RUN.finditer(text):
        for cut in range(match.start() + MAX_RUN, match.end(), MAX_RUN):
            pieces.append(text[start:cut])
            start = cut
    pieces.append(text[start:])
    return pieces


def jieba_words(text: str) -> list[str]:
    """Words of ``text`` by jieba's default (accurate, HMM) mode; jieba loads on first use.

    Runs longer than ``MAX_RUN`` are tokenized in pieces (see ``bounded_runs``).
    """
    import jieba  # imported here so that importing summaries does no jieba work

    pieces = bounded_runs(text)
    if len(pieces) == 1:
        return jieba.lcut(text)
    return [word for piece in pieces for word in jieba.lcut(piece)]


def is_keyword_candidate(token: str) -> bool:
    """A token that can be a keyword: two or more characters, word-like, no number, no stop word."""
    return (
        len(token) >= 2
        and token not in STOP_WORDS
        and WORD_CHAR.search(token) is not None
        and _NUMERIC.match(token) is None
        and not token.isspace()
    )


@cache
def corpus_idf() -> Mapping[str, float]:
    """jieba's IDF table (fitted by jieba's authors on a large Chinese corpus), loaded once."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        return MappingProxyType({})
    path = Path(spec.origin).parent / "analyse" / "idf.txt"
    table: dict[str, float] = {}
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                word, _, value = line.rstrip("\n").rpartition(" ")
                if word:
                    table[word] = float(value)
    except (OSError, ValueError):
        return MappingProxyType({})
    return MappingProxyType(table)


@cache
def default_idf() -> float:
    """The IDF given to words the table does not know: its median, as jieba.analyse does."""
    values = sorted(corpus_idf().values())
    return values[len(values) // 2] if values else 10.0
