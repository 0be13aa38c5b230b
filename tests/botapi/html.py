"""Telegram's HTML parse mode: validate a text and turn it into plain text plus entities.

Follows the rules of the Bot API ("Formatting options", HTML style): the supported tags, the
four named entities and numeric entities. Stricter than the real server in one place, on
purpose: a bare ``&`` that does not start a valid entity is refused, as the Bot API docs demand
(the real server lets it through as a literal), so that unescaped user text is caught.
Offsets and lengths of entities are in UTF-16 code units, as Telegram counts them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# Tag name -> entity type; "a", "pre", "code", "span", "tg-emoji" get attributes below.
_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPECIAL = re.compile(r"[<&]")
_ENTITY = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|([a-zA-Z]+));")
_SPACE = " \t\n\r\f\v"


class HtmlError(ValueError):
    """The text is not valid Telegram HTML; str(error) is the server's reason."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, as Telegram counts message length."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    name: str
    start: int  # UTF-16 offset in the output where the tag's content starts
    attrs: dict[str, str] = field(default_factory=dict)
    language: str | None = None


class _Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.pos = 0
        self.out: list[str] = []
        self.u16 = 0
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self, pos: int) -> int:
        return len(self.src[:pos].encode("utf-8"))

    def emit(self, text: str) -> None:
        if text:
            self.out.append(text)
            self.u16 += utf16_len(text)

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        src = self.src
        while True:
            match = _SPECIAL.search(src, self.pos)
            if match is None:
                self.emit(src[self.pos :])
                break
            self.emit(src[self.pos : match.start()])
            self.pos = match.start()
            if src[self.pos] == "&":
                self.entity()
            elif src.startswith("</", self.pos):
                self.end_tag()
            else:
                self.start_tag()
        if self.stack:
            raise HtmlError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def decode(self, start: int) -> tuple[str, int]:
        """Decode the entity at ``start``; return the character and the position after it."""
        match = _ENTITY.match(self.src, start)
        if match is not None:
            dec, hexa, name = match.groups()
            if name is not None and name in _NAMED:
                return _NAMED[name], match.end()
            if name is None:
                code = int(dec, 10) if dec is not None else int(hexa, 16)
                if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                    return chr(code), match.end()
        raise HtmlError(
            f'Unescaped "&" or unsupported character entity at byte offset '
            f"{self.byte_offset(start)}; write &amp;"
        )

    def entity(self) -> None:
        char, self.pos = self.decode(self.pos)
        self.emit(char)

    def start_tag(self) -> None:
        src, begin = self.src, self.pos
        i = begin + 1
        while i < len(src) and src[i] not in _SPACE and src[i] != ">":
            i += 1
        name = src[begin + 1 : i].lower()
        if name not in _TAGS:
            raise HtmlError(
                f'Unsupported start tag "{name}" at byte offset {self.byte_offset(begin)}'
            )
        attrs = self.attributes(name, i, begin)
        self.open(name, attrs, begin)

    def attributes(self, name: str, i: int, begin: int) -> dict[str, str]:
        src, attrs = self.src, dict[str, str]()
        unclosed = HtmlError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        while True:
            while i < len(src) and src[i] in _SPACE:
                i += 1
            if i >= len(src):
                raise unclosed
            if src[i] == ">":
                self.pos = i + 1
                return attrs
            key_start = i
            while i < len(src) and src[i] not in _SPACE and src[i] not in "=>":
                i += 1
            key = src[key_start:i].lower()
            if not key:
                raise HtmlError(
                    f'Empty attribute name in the tag "{name}" at byte offset '
                    f"{self.byte_offset(key_start)}"
                )
            while i < len(src) and src[i] in _SPACE:
                i += 1
            if i >= len(src):
                raise unclosed
            if src[i] != "=":
                attrs[key] = ""  # a bare attribute such as <blockquote expandable>
                continue
            i += 1
            while i < len(src) and src[i] in _SPACE:
                i += 1
            if i >= len(src):
                raise unclosed
            attrs[key], i = self.attribute_value(i, unclosed)

    def attribute_value(self, i: int, unclosed: HtmlError) -> tuple[str, int]:
        src = self.src
        if src[i] in "\"'":
            quote, i = src[i], i + 1
            end = src.find(quote, i)
            if end < 0:
                raise unclosed
            raw, after = src[i:end], end + 1
        else:
            start = i
            while i < len(src) and src[i] not in _SPACE and src[i] != ">":
                i += 1
            raw, after = src[start:i], i
        value: list[str] = []
        j = 0
        while j < len(raw):
            amp = raw.find("&", j)
            if amp < 0:
                value.append(raw[j:])
                break
            value.append(raw[j:amp])
            try:
                char, j = _Parser(raw).decode(amp)
            except HtmlError:
                char, j = "&", amp + 1  # attribute values are lenient, as in Telegram
            value.append(char)
        return "".join(value), after

    def open(self, name: str, attrs: dict[str, str], begin: int) -> None:
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlError('Tag "span" must have class "tg-spoiler"')
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise HtmlError('Tag "tg-emoji" must have a numeric "emoji-id" attribute')
        top = self.stack[-1] if self.stack else None
        if name == "code" and top is not None and top.name == "pre" and top.start == self.u16:
            lang = attrs.get("class", "")
            if lang.startswith("language-"):
                top.language = lang[len("language-") :]
        self.stack.append(_Open(name, self.u16, attrs))

    def end_tag(self) -> None:
        src, begin = self.src, self.pos
        end = src.find(">", begin)
        if end < 0:
            raise HtmlError(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        name = src[begin + 2 : end].strip().lower()
        if not self.stack:
            raise HtmlError(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        top = self.stack.pop()
        if top.name != name:
            raise HtmlError(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{top.name}>", found "</{name}>"'
            )
        self.pos = end + 1
        self.close(top)

    def close(self, tag: _Open) -> None:
        length = self.u16 - tag.start
        if length <= 0:
            return  # Telegram drops empty entities
        entity: dict[str, Any] = {"type": _TAGS[tag.name], "offset": tag.start, "length": length}
        if tag.name == "a":
            href = tag.attrs.get("href", "")
            if not href:
                return  # a link without a target is kept as plain text
            entity["url"] = href
        elif tag.name == "pre" and tag.language:
            entity["language"] = tag.language
        elif tag.name == "blockquote" and "expandable" in tag.attrs:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.attrs["emoji-id"]
        self.entities.append(entity)


def parse_html(src: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into (plain text, entities); raise HtmlError when Telegram would."""
    return _Parser(src).run()
