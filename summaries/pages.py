"""Page splitting: a newspaper page dumped to text becomes its articles.

A page is a run of lines: titles (short, no end punctuation) followed by a ``——`` subtitle, a
byline of names or a paragraph opening with an inline byline (本报讯(穆海宏)); section headings;
paragraphs, some broken mid-sentence by the layout; photo captions followed by ``XX 摄``.
Lines are classified by their shape and by what follows them; nothing but those markers is
taken out of a body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from summaries.chars import has_words
from summaries.model import Article, ArticleKind, Section
from summaries.text import clean_text, ends_sentence

_TITLE_MAX = 40
# A title handed in with a web page or feed entry is cut to this many characters: a real one is
# far shorter, and a runaway one (a whole text in the title field) must not cost like a body.
MAX_TITLE_CHARS = 200
_HEADING_MAX = 20
_BRIEF_MAX = 400
# A photo caption's title: this, then the first clause of the caption that says something.
PHOTO_TITLE = "图片新闻："
_STAND_IN_MAX = 30
_STAND_IN_CLAUSE = re.compile(r"[^，。；：！？,;:!?\n]+")
# A clause that only says when (7月11日, 近日, 今天上午) or points at the photo (图为) is skipped.
_WHEN_ONLY = re.compile(r"^[\d０-９年月日号时分秒上下中午晚早今昨前近当天凌晨傍夜\s]*$")
_POINTER = re.compile(r"^(?:图为|图中|上图|下图|左图|右图|图片)[:：]?")
_CJK_NAME = r"[\u4e00-\u9fff·]{2,4}"
_NAME_PART = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
_NAME_SEPARATORS = re.compile(r"[ 、，,]+")
_SUBTITLE = re.compile(r"^(?:——|--|—)\s*\S")
_CREDIT = re.compile(
    rf"^(?:(?:本报)?(?:记者|通讯员)\s*)?"
    rf"(?P<names>{_CJK_NAME}(?:[ 、]+{_CJK_NAME}){{0,3}})\s*/?\s*摄(?:影)?$"
)
# A photo credit holds at most this many characters besides whitespace and 、 (本报通讯员, four
# names of up to four characters, "/" and 摄影): a longer paragraph is never one.
_CREDIT_SOLID_MAX = 24
_CREDIT_SPACING = re.compile(r"[\s、]+")
_INLINE_BYLINE = re.compile(
    r"^(?:本报讯|[^\s，。,（）()]{0,24}?(?:社|网|报|台|日)(?:讯|电))\s*"
    r"[（(](?P<names>[^（）()]{1,40})[)）]\s*"
)
_ROLE_WORDS = re.compile(r"本报|特约|实习生|记者|通讯员|见习|摄影|报道")
# Common surnames (and compound ones) tell a byline of one name from a short heading.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞"
    "左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕"
    "屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
    "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_COMPOUND_SURNAMES = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐",
)  # fmt: skip


@dataclass
class _Draft:
    """An article being assembled while the page is read."""

    title: str = ""
    subtitle: str = ""
    authors: list[str] = field(default_factory=list)
    kind: ArticleKind = "article"
    inline_byline: bool = False
    sections: list[tuple[str, list[str]]] = field(default_factory=lambda: [("", [])])

    def add_paragraph(self, text: str) -> None:
        self.sections[-1][1].append(text)

    def has_body(self) -> bool:
        return any(paragraphs for _, paragraphs in self.sections)

    def build(self) -> Article | None:
        sections = tuple(
            Section(heading=h, paragraphs=tuple(p)) for h, p in self.sections if p or h
        )
        paragraphs = tuple(p for s in sections for p in s.paragraphs)
        if not paragraphs and not self.title:
            return None
        kind = self.kind
        # A photo caption is an item of its own and a reader needs a line to tell it by; other
        # untitled text keeps its empty title (the renderer makes one for display).
        title = self.title
        if not title and kind == "photo" and paragraphs:
            title = stand_in_title(paragraphs[0], photo=True)
        headed = any(s.heading for s in sections)
        if (
            kind == "article"
            and not headed
            and (self.inline_byline or sum(len(p) for p in paragraphs) <= _BRIEF_MAX)
        ):
            kind = "brief"
        return Article(
            title=title,
            paragraphs=paragraphs,
            subtitle=self.subtitle,
            authors=tuple(self.authors),
            kind=kind,
            sections=sections,
        )


def stand_in_title(text: str, *, photo: bool = False) -> str:
    """A title for an item that has none: the first clause of ``text`` that says something.

    A photo caption's gets ``PHOTO_TITLE`` before it (图片新闻：江苏大学…志愿者出征); a clause
    that only says when, or points at the photo, is skipped; the title is cut to 30 characters
    with "…". Empty only when ``text`` holds no words.
    """
    clauses = [c.strip() for c in _STAND_IN_CLAUSE.findall(text)]
    clauses = [_POINTER.sub("", c) for c in clauses if has_words(c)]
    said = [c for c in clauses if has_words(c) and not _WHEN_ONLY.match(c)] or clauses
    if not said:
        return ""
    head = said[0] if len(said[0]) <= _STAND_IN_MAX else said[0][: _STAND_IN_MAX - 1] + "…"
    return PHOTO_TITLE + head if photo else head


def _names(text: str) -> list[str]:
    """Person names in a byline fragment, role words (记者, 通讯员) removed."""
    return [n for n in _NAME_SEPARATORS.split(_ROLE_WORDS.sub(" ", text)) if n.strip()]


def _is_name(part: str) -> bool:
    if not _NAME_PART.match(part):
        return False
    if part.startswith(_COMPOUND_SURNAMES):
        return True
    return len(part) <= 3 and part[0] in _SURNAMES


def _byline_names(line: str) -> list[str] | None:
    """The names when ``line`` is a byline such as 李连军 程浩, else None."""
    if len(line) > 24:
        return None
    parts = _names(line)
    if parts and len(parts) <= 5 and all(_is_name(p) for p in parts):
        return parts
    return None


def _is_short_unpunctuated(line: str) -> bool:
    """Title or heading shape: short, no end punctuation, no sentence break inside."""
    return (
        len(line) <= _TITLE_MAX
        and not ends_sentence(line)
        and not any(mark in line for mark in "。！？!?")
    )


def _is_heading(line: str) -> bool:
    return len(line) <= _HEADING_MAX and _is_short_unpunctuated(line) and "，" not in line


def _lines_with_gaps(text: str) -> list[tuple[str, int]]:
    """Lines that hold words, each with the number of blank or empty lines before it."""
    out: list[tuple[str, int]] = []
    gap = 0
    for line in clean_text(text).split("\n"):
        if line and has_words(line):
            out.append((line, gap))
            gap = 0
        else:
            gap += 1
    return out


def _title_indexes(lines: list[str], gaps: list[int]) -> set[int]:
    """Indexes of title lines: a short line followed by a subtitle, byline or inline byline."""
    titles: set[int] = set()
    for i, line in enumerate(lines[:-1]):
        if not _is_short_unpunctuated(line) or _CREDIT.match(line) or _SUBTITLE.match(line):
            continue
        nxt = lines[i + 1]
        if _SUBTITLE.match(nxt) or _byline_names(nxt) or _INLINE_BYLINE.match(nxt):
            titles.add(i)
        elif (i == 0 or gaps[i] >= 2) and not _is_short_unpunctuated(nxt):
            # The page's first line or a line after a wide gap, followed by body text.
            titles.add(i)
    return titles


def _rejoin(lines: list[str], gaps: list[int]) -> tuple[list[str], list[int]]:
    """Rejoin paragraphs that the page layout broke in the middle of a sentence."""
    titles = _title_indexes(lines, gaps)
    # Each paragraph is kept as its lines and joined once at the end: adding line after line to
    # one string would copy it every time, quadratic on a long text of broken lines.
    parts: list[list[str]] = []
    out_gaps: list[int] = []
    joinable = False
    length = solid = 0  # of the paragraph so far: characters, and those a credit counts
    for i, line in enumerate(lines):
        starts_block = (
            i in titles
            or _SUBTITLE.match(line)
            or _CREDIT.match(line)
            or (_is_short_unpunctuated(line) and i + 1 < len(lines))
        )
        if joinable and not starts_block:
            parts[-1].append(line)
            length += len(line)
            solid += _solid_chars(line) if solid <= _CREDIT_SOLID_MAX else 0
        else:
            parts.append([line])
            out_gaps.append(gaps[i])
            length, solid = len(line), _solid_chars(line)
        joinable = (
            i not in titles
            and length > _HEADING_MAX
            and not ends_sentence(line)  # the paragraph's last character is the line's
            and not (solid <= _CREDIT_SOLID_MAX and _CREDIT.match("".join(parts[-1])))
        )
    return ["".join(p) for p in parts], out_gaps


def _solid_chars(text: str) -> int:
    """Characters of ``text`` other than whitespace and 、 (what bounds a credit's length)."""
    return len(text) - sum(map(len, _CREDIT_SPACING.findall(text)))


def split_page(text: str) -> list[Article]:
    """Split a page dump into its articles, in page order; [] when there is no text."""
    pairs = _lines_with_gaps(text)
    if not pairs:
        return []
    lines, gaps = _rejoin([p[0] for p in pairs], [p[1] for p in pairs])
    titles = _title_indexes(lines, gaps)
    drafts: list[_Draft] = []
    current = _Draft()
    expect_byline = False
    skip: set[int] = set()
    for i, line in enumerate(lines):
        if i in skip:
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        credit = _CREDIT.match(nxt) if nxt else None
        if i in titles:
            drafts.append(current)
            current = _Draft(title=line)
            expect_byline = True
            continue
        if expect_byline and _SUBTITLE.match(line) and not current.subtitle:
            current.subtitle = line
            continue
        if expect_byline and not current.authors and (names := _byline_names(line)):
            current.authors = names
            expect_byline = False
            continue
        expect_byline = False
        if credit:
            # A caption is the paragraph right above its photo credit; it is an item of its own.
            drafts.append(current)
            drafts.append(_Draft(kind="photo", authors=_names(credit.group("names"))))
            drafts[-1].add_paragraph(line)
            current = _Draft()
            skip.add(i + 1)
            continue
        if (
            _is_heading(line)
            and nxt
            and not _is_short_unpunctuated(nxt)
            and (current.has_body() or current.title)
        ):
            current.sections.append((line, []))
            continue
        if not current.has_body() and (inline := _INLINE_BYLINE.match(line)):
            rest = line[inline.end() :]
            if has_words(rest):
                current.authors = current.authors or _names(inline.group("names"))
                current.inline_byline = True
                line = rest
        current.add_paragraph(line)
    drafts.append(current)
    return [a for a in (d.build() for d in drafts) if a is not None]


def article_from_text(text: str, *, title: str = "") -> Article:
    """One plain-text article (a web page or feed entry): cleaned, one paragraph per line.

    The title is cut to ``MAX_TITLE_CHARS`` characters.
    """
    paragraphs = tuple(line for line in clean_text(text).split("\n") if line and has_words(line))
    # Cut before cleaning too (with room for markup), so a runaway title costs nothing to clean.
    clean_title = " ".join(clean_text(title[: 4 * MAX_TITLE_CHARS]).split())[:MAX_TITLE_CHARS]
    return Article(
        title=clean_title,
        paragraphs=paragraphs,
        sections=(Section(heading="", paragraphs=paragraphs),) if paragraphs else (),
    )
