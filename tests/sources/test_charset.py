"""Decoding pages: header, meta tag, then detection; GBK family as GB18030; never mojibake."""

from __future__ import annotations

import pytest

from bot.sources.charset import decode_body, normalize_charset, utf8_xml
from tests.sources.pages import article_page, seed_articles


@pytest.fixture(scope="module")
def page_text() -> str:
    article = seed_articles()[0]  # its subtitle starts with "——", which GB2312 maps wrongly
    return article_page(article, charset="gbk")


def test_gbk_family_decodes_as_gb18030() -> None:
    for label in ("GB2312", "gbk", "x-gbk", "GB18030"):
        assert normalize_charset(label) == "gb18030"
    assert normalize_charset("no-such-charset") is None


@pytest.mark.parametrize(
    "content_type",
    [
        "text/html; charset=GB2312",  # header says GB2312, body is GBK
        "text/html",  # only the meta tag says it
        "text/html; charset=ISO-8859-1",  # a server default that the meta tag overrides
        "text/html; charset=utf-8",  # a wrong header: the body is not UTF-8
    ],
)
def test_gbk_page_decodes_without_mojibake(page_text: str, content_type: str) -> None:
    body = page_text.encode("gbk")
    decoded = decode_body(body, content_type)
    assert decoded == page_text
    assert "——漯河市市场监督管理局" in decoded


def test_undeclared_gbk_is_detected() -> None:
    article = seed_articles()[1]
    text = "<html><body>" + "".join(f"<p>{p}</p>" for p in article.paragraphs) + "</body></html>"
    assert decode_body(text.encode("gb18030"), "text/html") == text


def test_utf8_with_bom_and_plain_utf8() -> None:
    text = "<p>" + seed_articles()[2].paragraphs[0] + "</p>"
    assert decode_body(b"\xef\xbb\xbf" + text.encode("utf-8"), "") == text
    assert decode_body(text.encode("utf-8"), "text/html") == text


def test_stray_bytes_in_utf8_keep_utf8() -> None:
    text = "<p>" + "".join(seed_articles()[2].paragraphs) + "</p>"
    head, tail = text[:20], text[20:]
    raw = head.encode("utf-8") + b"\xff" + tail.encode("utf-8")
    assert decode_body(raw, "text/html; charset=utf-8") == head + "\ufffd" + tail


def test_gbk_bytes_declared_utf8_are_detected() -> None:
    text = '<?xml version="1.0" encoding="utf-8"?><rss><title>' + seed_articles()[0].title
    text += "</title><description>" + seed_articles()[0].paragraphs[0] + "</description></rss>"
    assert decode_body(text.encode("gbk"), "application/rss+xml; charset=utf-8") == text


def test_utf8_xml_rewrites_the_declaration_and_drops_forbidden_characters() -> None:
    text = '<?xml version="1.0" encoding="GB2312"?><rss><title>文摘\x0b要闻</title></rss>'
    assert utf8_xml(text.encode("gb18030")) == (
        '<?xml version="1.0" encoding="utf-8"?><rss><title>文摘要闻</title></rss>'.encode()
    )
