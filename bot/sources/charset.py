"""Bytes to text for web pages: HTTP header, then the page's meta tag, then detection.

Chinese sites still label pages GB2312 or GBK while using characters only GB18030 has (and
GB18030 is a superset of both), so those labels decode as GB18030. A declared charset that does
not decode the body cleanly is not trusted: detection decides instead, so mojibake is never
stored. A body that is clearly in one charset but carries a few broken sequences (a stray byte,
a character cut in two) keeps that charset, the broken bytes becoming U+FFFD, rather than
being guessed into something else.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

# Labels whose superset is the right codec for real pages.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "csgb2312": "gb18030",
    "euc-cn": "gb18030",
    "big5": "big5hkscs",
    "iso-8859-1": "cp1252",  # as browsers do
    "latin-1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
}
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
# <meta charset="gbk"> and <meta http-equiv="Content-Type" content="text/html; charset=gbk">
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([\w.:-]+)", re.IGNORECASE)
# At most this share of a body's non-ASCII characters may be broken sequences for a charset
# to be kept leniently; a body in another charset breaks on nearly every character.
_MAX_BROKEN_SHARE = 0.02
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def normalize_charset(label: str) -> str | None:
    """The Python codec for a charset label (GBK/GB2312 as GB18030), or None if unknown."""
    name = label.strip().lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def header_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return match.group(1) if match else None


def declared_charset(body: bytes) -> str | None:
    """The charset a document declares in its first bytes (meta tag or XML declaration)."""
    head = body[:4096]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii", "ignore") if match else None


def _strict(body: bytes, label: str | None) -> str | None:
    codec = normalize_charset(label) if label else None
    if codec is None:
        return None
    try:
        return body.decode(codec)
    except UnicodeDecodeError:
        return None


def _lenient(body: bytes, label: str | None) -> str | None:
    """``body`` in ``label``'s charset when only a few of its sequences are broken."""
    codec = normalize_charset(label) if label else None
    if codec is None or codec == "cp1252":
        return None  # a single-byte charset decodes anything: no evidence either way
    text = body.decode(codec, errors="replace")
    broken = text.count("\ufffd")
    wide = len(text) - len(text.encode("ascii", "ignore"))
    return text if broken <= _MAX_BROKEN_SHARE * wide else None


def decode_body(body: bytes, content_type: str | None = None) -> str:
    """Decode a fetched body: BOM, header charset, declared charset, then detection."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body.decode(codec, errors="replace")
    labels = [header_charset(content_type), declared_charset(body)]
    # Servers often send a Western default they never checked; the page's own tag knows better.
    if labels[0] and normalize_charset(labels[0]) == "cp1252":
        labels.reverse()
    labels.append("utf-8")
    for label in labels:
        text = _strict(body, label)
        if text is not None:
            return text
    for label in labels:
        text = _lenient(body, label)
        if text is not None:
            return text
    best = from_bytes(body).best()
    if best is not None and best.encoding:
        text = _strict(body, best.encoding)
        if text is not None:
            return text
    # Nothing decodes cleanly: keep what GB18030 can read rather than fail the whole page.
    return body.decode("gb18030", errors="replace")


_XML_DECLARED_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)["'][\w.:-]*["']""")
# Characters XML 1.0 forbids; feeds still carry them, and one stops a strict parser.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def utf8_xml(body: bytes, content_type: str | None = None) -> bytes:
    """An XML document decoded as pages are, re-encoded as UTF-8 with a declaration that says so.

    feedparser trusts the declared charset and falls back to windows-1252, which turns a GBK
    feed declared UTF-8 into mojibake; decoding here first gives every parser the same text.
    """
    text = _XML_FORBIDDEN.sub("", decode_body(body, content_type))
    text = _XML_DECLARED_ENCODING.sub(r'\1"utf-8"', text, count=1)
    return text.encode("utf-8")
