"""Text cleaning, paragraphs and sentences: the first steps from raw text to a digest."""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

from summaries.chars import WORD_CHAR, has_words

# Markup blocks whose content is never article text.
_SCRIPT = re.compile(r"<(script|style|noscript)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
# Tags that end a block of text become line breaks so paragraphs survive tag stripping.
_BLOCK_TAG = re.compile(r"<\s*(?:br|/p|/div|/li|/h[1-6]|/tr|/section|/article)\b[^>]*>", re.I)
# Only things that look like real tags are removed, so "a<b" or "<<书名>>" are left alone.
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>|<!--.*?-->", re.DOTALL)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z]{2,8});")
# Control and invisible format characters; newline and tab are whitespace, handled below.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2000-\u200a\u202f\u205f]+")
_MANY_BLANKS = re.compile(r"\n{3,}")

# Characters that end a sentence; closers are kept with the sentence they close. "；" is not one:
# it joins the clauses of one sentence, and a digest of clauses cut there reads as fragments.
_END_MARK = r"""(?:[。！？!?]|…+|\.{3,}|(?<=[^\x00-\x7f])\.(?!\d)|(?<=[a-z])\.(?=\s))"""
_SENTENCE = re.compile(
    rf"""
    # The sentence up to its first end mark: runs of characters that cannot start one, and any
    # "." that does not end a sentence (3.5, a.b). Greedy over a character class, this finds
    # the same end as a lazy ".*?" would, without trying every end mark at every character.
    (?:[^。！？!?….]+|(?!{_END_MARK})\.)*
    (?:
        {_END_MARK}+                        # end marks
        [”’"'」』）)】〕》〉\]]*           # closing quotes and brackets stay with it
      | $                                 # or the end of the text
    )
    """,
    re.VERBOSE | re.DOTALL,
)
_TERMINAL = '。！？!?；;…”’"」』）)】'
# What a whole sentence ends with: ``_TERMINAL`` less the clause marks "；" and ";".
_SENTENCE_FINAL = '。！？!?…”’"」』）)】'
_CLAUSE_MARKS = "，、；：,;:"

# Datelines that open a news paragraph: 本报讯(穆海宏), 新华社北京3月5日电（记者 张三）,
# 中新网郴州5月15日电(记者刘柱).
_DATELINE = re.compile(
    r"^(?:【[^】]{1,30}】)?\s*"
    r"(?:本报讯|[^\s，。,；;！!？?（）()]{0,24}?(?:社|网|报|台|日)(?:讯|电))"
    r"\s*(?:[（(][^（）()]{0,40}[)）])?[\s:：]*"
)


# NFKC results remembered: the ingest pipeline normalizes an article's title for its index
# tokens, its content hash and its story signature, and its body for the first two.
_NFKC_MEMORY = 8
# The characters of Chinese prose that NFKC changes, nearly all of them in news text (full-width
# punctuation, the ideographic space, the ellipsis), each with what NFKC makes of it.
_COMMON_COMPATIBLE = tuple(
    (c, unicodedata.normalize("NFKC", c)) for c in "，：？；（）！…\u3000－％～"
)


@lru_cache(maxsize=_NFKC_MEMORY)
def nfkc(text: str) -> str:
    """``text`` in Unicode NFKC (full-width letters, digits and punctuation made half-width).

    The common characters are replaced first, as NFKC would, by ``str.replace`` (a fraction of
    the cost of ``unicodedata.normalize`` on Chinese text, where nearly every sentence holds
    a full-width comma); when what is left is already NFKC, that is the answer (replacing a
    character by its NFKC form keeps the text's NFKC form), else the whole normalization runs.
    The last few results are remembered, so the steps of one article that normalize the same
    text pay for it once.
    """
    replaced = text
    for compatible, plain in _COMMON_COMPATIBLE:
        replaced = replaced.replace(compatible, plain)
    if unicodedata.is_normalized("NFKC", replaced):
        return replaced
    return unicodedata.normalize("NFKC", text)


def decode_text(data: bytes) -> str:
    """Text of a file's bytes: UTF-8 (with or without BOM), else GB18030 (a superset of GBK and
    GB2312, which Chinese sources still use); ValueError when it is neither."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("not UTF-8 or GB18030 text")


def clean_text(text: str) -> str:
    """Strip HTML tags, entities and control characters; normalize whitespace and line breaks."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "<" in text:
        text = _SCRIPT.sub(" ", text)
        text = _BLOCK_TAG.sub("\n", text)
        text = _TAG.sub("", text)
    if "&" in text:
        text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    lines = [line.strip() for line in text.split("\n")]
    return _MANY_BLANKS.sub("\n\n\n", "\n".join(lines)).strip("\n")


def ends_sentence(text: str) -> bool:
    """True when ``text`` ends with sentence-final punctuation (possibly inside closers)."""
    return bool(text) and text[-1] in _TERMINAL


def ends_whole_sentence(text: str) -> bool:
    """True when ``text`` ends as a whole sentence does: 。！？… (possibly inside closers)."""
    return bool(text) and text[-1] in _SENTENCE_FINAL


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``, in order: split at 。！？!? and …, never at ；, inside 3.5 or 1.2万.

    Closing quotes and brackets stay with the sentence they close; line breaks always end a
    sentence; text without any end punctuation comes back as one sentence per line.
    """
    out: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        for match in _SENTENCE.finditer(line):
            sentence = match.group(0).strip()
            if not sentence:
                continue
            if has_words(sentence):
                out.append(sentence)
            elif out:
                # Stray marks such as a lone "”" or "!!" belong to the sentence before.
                out[-1] += sentence
    return out


def strip_dateline(sentence: str) -> str:
    """The sentence without a leading news dateline such as 本报讯(穆海宏) or 新华社北京电."""
    match = _DATELINE.match(sentence)
    if not match or match.end() >= len(sentence):
        return sentence
    rest = sentence[match.end() :]
    return rest if has_words(rest) else sentence


def cut_at_clause(sentence: str, max_chars: int) -> str:
    """The longest head of ``sentence`` ending at a clause mark within ``max_chars``, with "…".

    Falls back to a hard cut when no clause mark falls inside the budget.
    """
    if len(sentence) <= max_chars:
        return sentence
    if max_chars <= 1:
        return sentence[:max_chars]
    limit = max_chars - 1  # room for the ellipsis
    best = -1
    # sentence[:i] holds words exactly when its first word character comes before i.
    word = WORD_CHAR.search(sentence)
    first_word = word.start() if word else len(sentence)
    for i in range(min(limit, len(sentence) - 1), first_word, -1):
        if sentence[i] in _CLAUSE_MARKS:
            best = i
            break
    head = sentence[:best] if best > 0 else sentence[:limit]
    return head.rstrip() + "…"
